// One compaction pass over a partition log (Kafka's Cleaner.doClean): build key -> latest offset
// from the dirty section, then rewrite every inactive segment, in groups that fit segment.bytes,
// keeping the latest record per key. Each group goes to `<base>.log.cleaned` (+ indexes), is
// renamed to `.swap`, and swapped in by PartitionLog.replaceSegments. Runs in slices: the caller's
// tick() yields to the event loop every few milliseconds, and every file operation but the few
// renames and opens of the swap itself (synchronous, so readers never see a half swap) runs on
// the libuv pool: on a busy disk a single synchronous write, create or close can take tens of ms.
import { rename, unlink } from 'node:fs/promises'
import path from 'node:path'
import { BatchScanner } from '../batch-scanner.js'
import { LogSegment, segmentFileName } from '../segment.js'
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE,
  BASE_TIMESTAMP,
  HEADER_SIZE,
  batchAttributes,
  batchBaseOffset,
  batchLastOffset,
  batchMaxTimestamp,
  batchProducerId,
  batchRecordsCount,
  readInt64,
} from '../record-batch.js'
import { BatchReader } from './batch-reader.js'
import { CleanedWriter } from './cleaned-writer.js'
import { compress, decompress, isXerialSnappy } from './codecs.js'
import { RecordCursor, emptyBatch, rebuildBatch } from './records.js'
import type { FileSystem } from '../fs.js'
import type { PartitionLog } from '../partition-log.js'

export type SwapStep = 'cleaned' | 'swap' | 'replacing'

export interface CompactionContext {
  fs: FileSystem
  now: number
  /** Awaited after every batch: yields to the event loop once the current slice is long enough. */
  tick: () => Promise<void>
  /** True when the pass must stop (shutdown, partition deleted). */
  aborted: () => boolean
  /** Test hook: a throw here is treated as a crash at that step (files are left as they are). */
  onStep?: (step: SwapStep, group: number) => void
}

export interface CleanStats {
  /** End of the cleaned range (base offset of the active segment when the pass started). */
  endOffset: number
  segmentsIn: number
  segmentsOut: number
  bytesIn: number
  bytesOut: number
  recordsIn: number
  recordsKept: number
  tombstonesRemoved: number
}

export class CleanerAborted extends Error {}
class SimulatedCrash extends Error {}

const INT32_MAX = 2147483647

/** Reusable work buffer of one pass. */
interface Scratch {
  kept: Buffer
}

/** Key map and per-producer last batch of the range, from a first pass. */
interface DirtyMap {
  latest: Map<string, number>
  lastBatchOfProducer: Map<number, number>
}

export async function compactLog(
  log: PartitionLog,
  firstDirtyOffset: number,
  ctx: CompactionContext,
): Promise<CleanStats | null> {
  const segments = log.inactiveSegments()
  if (segments.length === 0) return null
  const bases = log.segmentBaseOffsets()
  const endOffset = bases[segments.length]
  const stats: CleanStats = {
    endOffset,
    segmentsIn: segments.length,
    segmentsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    recordsIn: 0,
    recordsKept: 0,
    tombstonesRemoved: 0,
  }
  // Pinned: retention may delete a segment meanwhile, its fd must stay ours until we are done.
  for (const seg of segments) seg.pin()
  try {
    const map = await buildDirtyMap(segments, firstDirtyOffset, ctx)
    for (const group of groupSegments(segments, log.config.segmentBytes)) {
      if (ctx.aborted()) throw new CleanerAborted('cleaner stopped')
      await cleanGroup(log, group, map, ctx, stats)
    }
  } finally {
    for (const seg of segments) seg.unpin()
  }
  return stats
}

async function buildDirtyMap(
  segments: readonly LogSegment[],
  firstDirty: number,
  ctx: CompactionContext,
): Promise<DirtyMap> {
  const map: DirtyMap = { latest: new Map(), lastBatchOfProducer: new Map() }
  const scanner = new BatchScanner(ctx.fs)
  const reader = new BatchReader(ctx.fs)
  const cursor = new RecordCursor()
  for (const seg of segments) {
    if (seg.nextOffset <= firstDirty) {
      // Clean segment: headers only, for the producers' last batches.
      scanner.reset(seg.fd, 0, seg.size)
      while (scanner.next()) {
        if (scanner.producerId >= 0)
          map.lastBatchOfProducer.set(scanner.producerId, scanner.lastOffset)
        await ctx.tick()
      }
      continue
    }
    reader.reset(seg.fd, seg.size)
    while (await reader.next()) {
      const buf = reader.buffer
      const o = reader.offset
      const pid = batchProducerId(buf, o)
      if (pid >= 0) map.lastBatchOfProducer.set(pid, batchLastOffset(buf, o))
      const attributes = batchAttributes(buf, o)
      if ((attributes & ATTR_CONTROL) !== 0 || batchLastOffset(buf, o) < firstDirty) continue
      const base = batchBaseOffset(buf, o)
      const records = await decompress(
        attributes & ATTR_COMPRESSION_MASK,
        buf.subarray(o + HEADER_SIZE, o + reader.size),
      )
      cursor.reset(records, 0)
      for (let n = batchRecordsCount(buf, o); n > 0; n--) {
        cursor.next(records.length)
        const key = cursor.keyString()
        if (key !== null) map.latest.set(key, base + cursor.offsetDelta)
      }
      if (ctx.aborted()) throw new CleanerAborted('cleaner stopped')
      await ctx.tick()
    }
  }
  return map
}

/** Consecutive segments whose total size fits one segment and whose offsets fit the index. */
function groupSegments(segments: readonly LogSegment[], maxBytes: number): LogSegment[][] {
  const groups: LogSegment[][] = []
  let current: LogSegment[] = []
  let bytes = 0
  for (const seg of segments) {
    const first = current[0]
    if (
      first !== undefined &&
      (bytes + seg.size > maxBytes || seg.nextOffset - 1 - first.baseOffset > INT32_MAX)
    ) {
      groups.push(current)
      current = []
      bytes = 0
    }
    current.push(seg)
    bytes += seg.size
  }
  if (current.length > 0) groups.push(current)
  return groups
}

function suffixed(dir: string, base: number, suffix: string) {
  return {
    log: path.join(dir, segmentFileName(base, '.log' + suffix)),
    index: path.join(dir, segmentFileName(base, '.index' + suffix)),
    timeIndex: path.join(dir, segmentFileName(base, '.timeindex' + suffix)),
  }
}

async function cleanGroup(
  log: PartitionLog,
  group: LogSegment[],
  map: DirtyMap,
  ctx: CompactionContext,
  stats: CleanStats,
): Promise<void> {
  const { fs } = ctx
  const base = group[0].baseOffset
  const cleaned = suffixed(log.dir, base, '.cleaned')
  const swap = suffixed(log.dir, base, '.swap')
  const cfg = log.config
  const out = await CleanedWriter.create(
    cleaned,
    base,
    cfg.segmentIndexBytes,
    cfg.indexIntervalBytes,
  )
  let stage: 'writing' | 'written' | 'swapped' | 'replaced' = 'writing'
  let crashed = false
  const step = (s: SwapStep): void => {
    try {
      ctx.onStep?.(s, base)
    } catch (err) {
      crashed = true
      throw new SimulatedCrash(String(err))
    }
  }
  try {
    const reader = new BatchReader(fs)
    const cursor = new RecordCursor()
    const scratch: Scratch = { kept: Buffer.allocUnsafe(0) }
    const horizon = ctx.now - cfg.deleteRetentionMs
    for (const seg of group) {
      stats.bytesIn += seg.size
      reader.reset(seg.fd, seg.size)
      while (await reader.next()) {
        await filterBatch(reader, cursor, scratch, map, horizon, out, stats)
        if (ctx.aborted()) throw new CleanerAborted('cleaner stopped')
        await ctx.tick()
      }
    }
    await out.finish()
    stage = 'written'
    step('cleaned')
    // Indexes first: the log's `.swap` is the commit point recovery looks for.
    await rename(cleaned.index, swap.index)
    await rename(cleaned.timeIndex, swap.timeIndex)
    await rename(cleaned.log, swap.log)
    stage = 'swapped'
    await fs.fsyncDir(log.dir)
    step('swap')
    if (ctx.aborted()) throw new CleanerAborted('cleaner stopped')
    const replaced = log.replaceSegments(
      group,
      () => {
        fs.rename(swap.log, cleaned.log.replace(/\.cleaned$/, ''))
        fs.rename(swap.index, cleaned.index.replace(/\.cleaned$/, ''))
        fs.rename(swap.timeIndex, cleaned.timeIndex.replace(/\.cleaned$/, ''))
        const seg = LogSegment.open(fs, log.dir, base, cfg, false, ctx.now)
        seg.nextOffset = out.nextOffset
        seg.maxTimestamp = out.maxTimestamp
        seg.offsetOfMaxTimestamp = out.offsetOfMaxTimestamp
        return seg
      },
      () => step('replacing'),
    )
    if (!replaced) throw new CleanerAborted('segments changed during cleaning')
    stage = 'replaced'
    stats.segmentsOut++
    stats.bytesOut += out.size
    await fs.fsyncDir(log.dir)
  } catch (err) {
    if (!crashed) await discard(stage, out, cleaned, swap)
    throw err
  }
}

/** Removes the group's output after a failure or an abort (recovery would do it otherwise). */
async function discard(
  stage: string,
  out: CleanedWriter,
  cleaned: Record<string, string>,
  swap: Record<string, string>,
): Promise<void> {
  if (stage === 'replaced') return
  await out.close().catch(() => {})
  for (const f of [...Object.values(cleaned), ...Object.values(swap)]) {
    // ENOENT for the names not in use at this stage; other failures: recovery removes leftovers.
    await unlink(f).catch(() => {})
  }
}

/** Writes the batch with the records that survive, verbatim when all do. */
async function filterBatch(
  reader: BatchReader,
  cursor: RecordCursor,
  scratch: Scratch,
  map: DirtyMap,
  horizon: number,
  out: CleanedWriter,
  stats: CleanStats,
): Promise<void> {
  const buf = reader.buffer
  const o = reader.offset
  const size = reader.size
  const attributes = batchAttributes(buf, o)
  const count = batchRecordsCount(buf, o)
  stats.recordsIn += count
  if ((attributes & ATTR_CONTROL) !== 0) {
    await out.append(buf, o, size)
    return
  }
  const codec = attributes & ATTR_COMPRESSION_MASK
  const payload = buf.subarray(o + HEADER_SIZE, o + size)
  const xerialSnappy = isXerialSnappy(payload)
  const records = await decompress(codec, payload)
  const base = batchBaseOffset(buf, o)
  const baseTimestamp = readInt64(buf, o + BASE_TIMESTAMP)
  const logAppendTime = (attributes & ATTR_TIMESTAMP_TYPE) !== 0
  // Tombstones go once the batch is older than delete.retention.ms (its max timestamp is the
  // append time for LogAppendTime topics, the producer's time otherwise).
  const tombstonesExpire = batchMaxTimestamp(buf, o) < horizon
  // Survivors are copied to the front of `kept` (records never grow), a buffer reused across
  // batches: a new one per batch is garbage the size of the log, collected on the event loop.
  if (scratch.kept.length < records.length) scratch.kept = Buffer.allocUnsafe(records.length)
  const kept = scratch.kept
  let keptLen = 0
  let keptCount = 0
  let maxTimestamp = -1
  cursor.reset(records, 0)
  for (let n = count; n > 0; n--) {
    cursor.next(records.length)
    const key = cursor.keyString()
    if (key !== null) {
      const latest = map.latest.get(key)
      if (latest !== undefined && base + cursor.offsetDelta < latest) continue
      if (cursor.valueLength < 0 && tombstonesExpire) {
        stats.tombstonesRemoved++
        continue
      }
    }
    records.copy(kept, keptLen, cursor.start, cursor.end)
    keptLen += cursor.end - cursor.start
    keptCount++
    const ts = baseTimestamp + cursor.timestampDelta
    if (ts > maxTimestamp) maxTimestamp = ts
  }
  stats.recordsKept += keptCount
  if (keptCount === count) {
    await out.append(buf, o, size)
    return
  }
  const header = buf.subarray(o, o + HEADER_SIZE)
  if (keptCount === 0) {
    // Kept only as the last batch of its producer: its sequence numbers stay known.
    const pid = batchProducerId(buf, o)
    if (pid >= 0 && map.lastBatchOfProducer.get(pid) === batchLastOffset(buf, o)) {
      const empty = emptyBatch(header)
      await out.append(empty, 0, empty.length)
    }
    return
  }
  const body = await compress(codec, kept.subarray(0, keptLen), { xerialSnappy })
  const batch = rebuildBatch(header, body, keptCount, logAppendTime ? -1 : maxTimestamp)
  await out.append(batch, 0, batch.length)
}
