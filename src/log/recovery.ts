// Loading a partition directory (Kafka's LogLoader): leftover temporary files removed, segments
// opened, indexes sanity-checked (rebuilt when damaged) and, after an unclean shutdown, every
// batch from the recovery point on CRC-checked with the log cut at the first invalid byte.
import { BatchScanner } from './batch-scanner.js'
import { completeInterruptedSwaps } from './cleaner/swap-recovery.js'
import { LogSegment } from './segment.js'
import {
  HEADER_SIZE,
  MAGIC,
  batchBaseOffset,
  batchCrcValid,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchSize,
} from './record-batch.js'
import type { FileSystem } from './fs.js'
import type { LogConfig } from './log-config.js'
import type { LogFn } from '../log-fn.js'
import type { SegmentPool } from './segment-pool.js'

const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex|snapshot)$/
const LEFTOVER = /\.(deleted|cleaned|swap|tmp)$/
const READ_CHUNK = 1024 * 1024

export interface LoadOptions {
  fs: FileSystem
  dir: string
  config: LogConfig
  /** Offsets below it were flushed before the crash (recovery-point-offset-checkpoint). */
  recoveryPoint: number
  /** The clean-shutdown marker was present. */
  clean: boolean
  /** Base offset of the first segment when the directory has none. */
  logStartOffset: number
  now: number
  onBytes?: (bytes: number) => void
  log?: LogFn
  /** Recycled segment files for new segments (and for this log's deleted ones). */
  pool?: SegmentPool
  /**
   * The machine may have restarted since the logs were written: the page cache is gone, and past
   * the recovery point a recycled file may still hold its old bytes on disk.
   */
  machineRestarted?: boolean
}

export interface LoadResult {
  segments: LogSegment[]
  logEndOffset: number
  recoveryPoint: number
  /** Bytes cut from the log (torn tail, bad CRC) plus segments deleted after the cut. */
  truncatedBytes: number
}

/** Total size of the .log files of a partition directory (progress reporting). */
export function logBytes(fs: FileSystem, dir: string): number {
  let total = 0
  for (const name of fs.readdir(dir))
    if (name.endsWith('.log')) total += fs.statSize(`${dir}/${name}`)
  return total
}

export async function loadSegments(o: LoadOptions): Promise<LoadResult> {
  const { fs, dir, config } = o
  const bases: number[] = []
  // Before the leftover sweep below, which would delete the `.swap` of an interrupted compaction.
  completeInterruptedSwaps(fs, dir, o.log)
  const names = fs.readdir(dir)
  const present = new Set(names)
  for (const name of names) {
    if (LEFTOVER.test(name)) {
      fs.unlink(`${dir}/${name}`)
      continue
    }
    const m = SEGMENT_FILE.exec(name)
    if (m === null) continue
    if (m[2] === 'log') bases.push(Number(m[1]))
    else if ((m[2] === 'index' || m[2] === 'timeindex') && !present.has(`${m[1]}.log`)) {
      fs.unlink(`${dir}/${name}`) // index without its log
    }
  }
  bases.sort((a, b) => a - b)
  const scanner = new BatchScanner(fs)
  if (bases.length === 0) {
    const seg = LogSegment.create(fs, dir, o.logStartOffset, config, o.now, o.pool)
    return {
      segments: [seg],
      logEndOffset: o.logStartOffset,
      recoveryPoint: o.logStartOffset,
      truncatedBytes: 0,
    }
  }
  const segments: LogSegment[] = []
  let truncatedBytes = 0
  for (let i = 0; i < bases.length; i++) {
    const last = i === bases.length - 1
    const base = bases[i]
    const p = LogSegment.paths(dir, base)
    const indexesPresent = fs.exists(p.index) && fs.exists(p.timeIndex)
    const seg = LogSegment.open(fs, dir, base, config, last, o.now, o.pool)
    segments.push(seg)
    // After a clean shutdown everything was flushed and the old bytes cut off.
    if (o.clean) seg.dropRecycledMarker()
    // After a process crash the page cache is intact and the marker says where the log ended:
    // beyond it a recycled file holds its old contents (which may even look like a continuation).
    else if (seg.recycled && o.machineRestarted !== true)
      seg.size = Math.min(seg.size, seg.recycledLogEnd)
    const nextBase = last ? Infinity : bases[i + 1]
    let recover = !o.clean && nextBase > o.recoveryPoint
    // Past the recovery point such a file may hold what it held before it was recycled.
    const stopAt =
      !o.clean && seg.recycled && o.machineRestarted === true ? o.recoveryPoint : Infinity
    if (!recover && !indexesPresent) recover = true
    if (!recover) {
      const indexOk =
        seg.index.sanityCheck(seg.size, last) &&
        seg.timeIndex.sanityCheck(last ? Infinity : nextBase, last)
      if (!indexOk) {
        o.log?.('warn', 'rebuilding damaged index', { dir, segment: base })
        recover = true
      } else if (last || seg.timeIndex.entries === 0) {
        // A clean segment must end on a batch boundary; anything else is recovered.
        if (seg.scan(scanner, config.indexIntervalBytes, false) !== seg.size) recover = true
      } else {
        seg.maxTimestamp = seg.timeIndex.lastTimestamp()
        seg.offsetOfMaxTimestamp = seg.timeIndex.lastOffset()
      }
    }
    if (recover) {
      const before = seg.size
      const validEnd = await recoverSegment(fs, seg, config, o.onBytes, stopAt)
      if (validEnd < before) {
        truncatedBytes += before - validEnd
        let dropped = before - validEnd
        o.log?.('warn', 'truncating log at the first invalid batch', {
          dir,
          segment: base,
          position: validEnd,
          droppedBytes: before - validEnd,
        })
        fs.ftruncate(seg.fd, validEnd)
        // Everything after the first invalid byte is unreliable, later segments included.
        for (let j = i + 1; j < bases.length; j++) {
          const later = LogSegment.paths(dir, bases[j])
          const size = fs.statSize(later.log)
          truncatedBytes += size
          dropped += size
          for (const f of [later.log, later.index, later.timeIndex]) if (fs.exists(f)) fs.unlink(f)
        }
        bases.length = i + 1
        // Dropped bytes count as done, so progress ends at the total it announced.
        o.onBytes?.(dropped)
      }
    } else {
      o.onBytes?.(seg.size)
    }
    if (i < bases.length - 1) seg.seal()
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  const active = segments[segments.length - 1]
  if (fs.fstatSize(active.fd) > active.size) fs.ftruncate(active.fd, active.size) // preallocated tail
  const logEndOffset = active.nextOffset
  return {
    segments,
    logEndOffset,
    recoveryPoint: Math.min(o.recoveryPoint, logEndOffset),
    truncatedBytes,
  }
}

/**
 * CRC-checks every batch of the segment, rebuilding both indexes, and returns the position after
 * the last valid batch. A batch is valid when its header fits, its magic is 2, its offsets follow
 * the previous batch, it starts below `stopAtOffset` and its CRC matches.
 *
 * Reads go through the thread pool, one chunk ahead: while the batches of one chunk are checked
 * (native CRC, fast) the next chunk is already being read, and other partitions' scans and the
 * broker's requests run whenever a read is pending.
 */
export async function recoverSegment(
  fs: FileSystem,
  seg: LogSegment,
  config: LogConfig,
  onBytes?: (bytes: number) => void,
  stopAtOffset = Infinity,
): Promise<number> {
  seg.resetIndexing()
  const fd = seg.fd
  // seg.size may already be below the file's (a recycled file's marker bounds the log).
  const fileSize = Math.min(fs.fstatSize(fd), seg.size)
  const readAt = (buf: Buffer, pos: number): Promise<number> =>
    fs.readAsync(fd, buf, 0, Math.min(buf.length, fileSize - pos), pos)
  let cur = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(fileSize, HEADER_SIZE)))
  let spare = Buffer.allocUnsafe(cur.length)
  // Invariant at the top of the loop: cur holds curLen bytes of the file starting at pos.
  let pos = 0
  let curLen = fileSize >= HEADER_SIZE ? await readAt(cur, 0) : 0
  let expected = seg.baseOffset
  for (;;) {
    if (curLen < HEADER_SIZE) break
    // The whole batches of this chunk, by their length fields alone; checked below.
    let cut = 0
    while (curLen - cut >= HEADER_SIZE) {
      const size = batchSize(cur, cut)
      if (size < HEADER_SIZE || cut + size > curLen) break
      cut += size
    }
    if (cut === 0) {
      const size = batchSize(cur, 0)
      // Reads are only short at the end of the file, so a batch that fits the buffer and the
      // file would have been whole: this one is either torn/garbage or larger than the buffer.
      if (size < HEADER_SIZE || pos + size > fileSize || cur[MAGIC] !== 2 || size <= cur.length)
        break
      cur = Buffer.allocUnsafe(size)
      curLen = await readAt(cur, pos)
      continue
    }
    const next = pos + cut
    if (spare.length < cur.length && cur.length <= READ_CHUNK)
      spare = Buffer.allocUnsafe(cur.length)
    const pending = fileSize - next >= HEADER_SIZE ? readAt(spare, next) : null
    let o = 0
    while (o < cut) {
      const size = batchSize(cur, o)
      const baseOffset = batchBaseOffset(cur, o)
      const delta = batchLastOffsetDelta(cur, o)
      if (cur[o + MAGIC] !== 2 || baseOffset < expected || delta < 0) break
      if (baseOffset >= stopAtOffset) break
      if (!batchCrcValid(cur, o, size)) break
      seg.indexBatch(
        baseOffset + delta,
        batchMaxTimestamp(cur, o),
        pos + o,
        size,
        config.indexIntervalBytes,
      )
      expected = baseOffset + delta + 1
      o += size
      onBytes?.(size)
    }
    pos += o
    if (o < cut) {
      // The read ahead is useless now, but it must not land after the caller truncates the file.
      await pending?.catch(() => 0)
      break
    }
    if (pending === null) break
    const done = cur
    cur = spare
    spare = done
    curLen = await pending
  }
  seg.size = pos
  return pos
}
