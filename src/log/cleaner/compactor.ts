// One compaction pass over a partition log (Kafka's Cleaner.doClean): build key -> latest offset
// from the dirty section, then rewrite every inactive segment, in groups that fit segment.bytes,
// keeping the latest record per key. Each group goes to `<base>.log.cleaned` (+ indexes), is
// renamed to `.swap`, and swapped in by PartitionLog.replaceSegments. Runs in slices: the caller's
// tick() yields to the event loop every few milliseconds.
import path from 'node:path'
import { BatchScanner } from '../batch-scanner.js'
import { OffsetIndex } from '../offset-index.js'
import { TimeIndex } from '../time-index.js'
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
const WRITE_CHUNK = 1024 * 1024

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
      }
      continue
    }
    reader.reset(seg.fd, seg.size)
    while (reader.next()) {
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

/** Output of one group: the `.cleaned` log file with its indexes, built as batches are written. */
class CleanedWriter {
  readonly fd: number
  readonly index: OffsetIndex
  readonly timeIndex: TimeIndex
  size = 0
  nextOffset: number
  maxTimestamp = -1
  offsetOfMaxTimestamp: number
  private bytesSinceIndex = 0
  private readonly chunk = Buffer.allocUnsafe(WRITE_CHUNK)
  /** Buffered bytes not yet written; they end at file position `size`. */
  private chunkLen = 0

  constructor(
    private readonly fs: FileSystem,
    readonly paths: { log: string; index: string; timeIndex: string },
    readonly baseOffset: number,
    maxIndexBytes: number,
    private readonly interval: number,
  ) {
    for (const f of Object.values(paths)) if (fs.exists(f)) fs.unlink(f)
    this.fd = fs.open(paths.log, 'w+')
    this.index = new OffsetIndex(fs, paths.index, baseOffset, maxIndexBytes, true)
    this.timeIndex = new TimeIndex(fs, paths.timeIndex, baseOffset, maxIndexBytes, true)
    this.nextOffset = baseOffset
    this.offsetOfMaxTimestamp = baseOffset
  }

  append(buf: Buffer, pos: number, size: number): void {
    const lastOffset = batchLastOffset(buf, pos)
    const maxTimestamp = batchMaxTimestamp(buf, pos)
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp
      this.offsetOfMaxTimestamp = lastOffset
    }
    if (this.bytesSinceIndex > this.interval) {
      this.index.append(lastOffset, this.size)
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp)
      this.bytesSinceIndex = 0
    }
    this.bytesSinceIndex += size
    this.nextOffset = lastOffset + 1
    if (this.chunkLen + size > this.chunk.length) this.flushChunk()
    if (size > this.chunk.length) {
      this.write(buf.subarray(pos, pos + size), this.size)
    } else {
      buf.copy(this.chunk, this.chunkLen, pos, pos + size)
      this.chunkLen += size
    }
    this.size += size
  }

  /** Everything on disk, indexes trimmed and closed. */
  async finish(): Promise<void> {
    this.flushChunk()
    if (this.maxTimestamp >= 0)
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp)
    await this.fs.fdatasync(this.fd)
    this.closeFiles()
  }

  closeFiles(): void {
    this.index.close()
    this.timeIndex.close()
    this.index.release()
    this.timeIndex.release()
    this.fs.close(this.fd)
  }

  private flushChunk(): void {
    if (this.chunkLen === 0) return
    this.write(this.chunk.subarray(0, this.chunkLen), this.size - this.chunkLen)
    this.chunkLen = 0
  }

  private write(data: Buffer, position: number): void {
    for (let done = 0; done < data.length;) {
      const n = this.fs.pwritev(this.fd, [data.subarray(done)], position + done)
      if (n <= 0) throw Object.assign(new Error('pwritev wrote nothing'), { code: 'EIO' })
      done += n
    }
  }
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
  const out = new CleanedWriter(fs, cleaned, base, cfg.segmentIndexBytes, cfg.indexIntervalBytes)
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
    const horizon = ctx.now - cfg.deleteRetentionMs
    for (const seg of group) {
      stats.bytesIn += seg.size
      reader.reset(seg.fd, seg.size)
      while (reader.next()) {
        await filterBatch(reader, cursor, map, horizon, out, stats)
        if (ctx.aborted()) throw new CleanerAborted('cleaner stopped')
        await ctx.tick()
      }
    }
    await out.finish()
    stage = 'written'
    step('cleaned')
    // Indexes first: the log's `.swap` is the commit point recovery looks for.
    fs.rename(cleaned.index, swap.index)
    fs.rename(cleaned.timeIndex, swap.timeIndex)
    fs.rename(cleaned.log, swap.log)
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
    if (!crashed) discard(fs, stage, out, cleaned, swap)
    throw err
  }
}

function discard(
  fs: FileSystem,
  stage: string,
  out: CleanedWriter,
  cleaned: Record<string, string>,
  swap: Record<string, string>,
): void {
  if (stage === 'replaced') return
  try {
    if (stage === 'writing') out.closeFiles()
  } catch {
    // Already closed by finish().
  }
  for (const f of [...Object.values(cleaned), ...Object.values(swap)]) {
    try {
      if (fs.exists(f)) fs.unlink(f)
    } catch {
      // Recovery removes leftovers at the next start.
    }
  }
}

/** Writes the batch with the records that survive, verbatim when all do. */
async function filterBatch(
  reader: BatchReader,
  cursor: RecordCursor,
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
    out.append(buf, o, size)
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
  // Survivors are copied to the front of `kept` (records never grow).
  const kept = Buffer.allocUnsafe(records.length)
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
    out.append(buf, o, size)
    return
  }
  const header = buf.subarray(o, o + HEADER_SIZE)
  if (keptCount === 0) {
    // Kept only as the last batch of its producer: its sequence numbers stay known.
    const pid = batchProducerId(buf, o)
    if (pid >= 0 && map.lastBatchOfProducer.get(pid) === batchLastOffset(buf, o)) {
      const empty = emptyBatch(header)
      out.append(empty, 0, empty.length)
    }
    return
  }
  const body = await compress(codec, kept.subarray(0, keptLen), { xerialSnappy })
  const batch = rebuildBatch(header, body, keptCount, logAppendTime ? -1 : maxTimestamp)
  out.append(batch, 0, batch.length)
}
