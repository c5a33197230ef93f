// The read side of a partition's segment list: zero-copy reads as pinned file regions, and the
// timestamp lookups of ListOffsets. Functions of the segments alone, so PartitionLog keeps only
// the bounds checks and the state that moves (log start and end).
import type { BatchScanner } from './batch-scanner.js'
import type { LogSegment } from './segment.js'
import type { FileRegion } from '../native/index.js'

export interface LogReadResult {
  regions: FileRegion[]
  bytes: number
  release(): void
}

const EMPTY_RELEASE = (): void => {}
/** Shared by every read that finds nothing: callers only read `regions`. */
export const EMPTY_READ: LogReadResult = Object.freeze({
  regions: Object.freeze([]) as unknown as FileRegion[],
  bytes: 0,
  release: EMPTY_RELEASE,
})

/** Index of the last segment whose base offset <= offset (0 when before all). */
export function segmentIndexFor(segments: readonly LogSegment[], offset: number): number {
  let lo = 0
  let hi = segments.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (segments[mid].baseOffset <= offset) lo = mid
    else hi = mid - 1
  }
  return lo
}

/**
 * The batches from the one holding `offset` on, as file regions of the segments (one region per
 * segment touched), each segment pinned until release() so that no delete or truncation rewrites
 * bytes a send may still be reading (R9). Batches at or past `maxOffset` (the high watermark for
 * consumers) are not read, and `offset` must be below it; `minOneBatch` is Kafka's rule that the
 * first batch comes back even beyond `maxBytes`.
 */
export function readSegments(
  segments: readonly LogSegment[],
  scanner: BatchScanner,
  offset: number,
  maxOffset: number,
  maxBytes: number,
  minOneBatch: boolean,
): LogReadResult {
  const regions: FileRegion[] = []
  const pinned: LogSegment[] = []
  let bytes = 0
  const take = (seg: LogSegment, start: number, length: number, recent = false): void => {
    seg.pin()
    seg.adviseSequential()
    pinned.push(seg)
    regions.push({ fd: seg.fd, position: start, length, recent })
  }
  /** Whether the batch at `base` of `size` bytes ends the read (Kafka's limits). */
  const stops = (base: number, size: number): boolean =>
    base >= maxOffset || (bytes + size > maxBytes && !(minOneBatch && bytes === 0))
  const active = segments[segments.length - 1]
  const recent = active.recent
  const k = recent !== null ? recent.find(offset) : -1
  if (recent !== null && k >= 0) {
    // A reader at the tail: the batches are in memory, no header needs reading.
    let length = 0
    for (let j = k; j < recent.count && !stops(recent.baseOffset(j), recent.size(j)); j++) {
      length += recent.size(j)
      bytes += recent.size(j)
    }
    if (length > 0) take(active, recent.position(k), length, recent.isRecent(k, Date.now()))
  } else {
    const sc = scanner
    let i = segmentIndexFor(segments, offset)
    let found = segments[i].findBatch(sc, offset, segments[i].size) >= 0
    if (!found) i++
    for (; i < segments.length; i++) {
      const seg = segments[i]
      if (!found) {
        sc.reset(seg.fd, 0, seg.size)
        if (!sc.next()) continue
      }
      found = false
      let start = -1
      let length = 0
      let done = false
      do {
        if (stops(sc.baseOffset, sc.size)) {
          done = true
          break
        }
        if (start < 0) start = sc.position
        length += sc.size
        bytes += sc.size
      } while (sc.next())
      if (length > 0) take(seg, start, length)
      if (done) break
    }
  }
  if (pinned.length === 0) return { regions, bytes, release: EMPTY_RELEASE }
  let released = false
  return {
    regions,
    bytes,
    release: () => {
      if (released) return
      released = true
      for (const seg of pinned) seg.unpin()
    },
  }
}

/**
 * First batch whose max timestamp >= timestamp, at or after the log start: its base offset
 * (clamped to the log start) and max timestamp. Kafka returns the first record's own offset; we
 * never parse records.
 */
export function offsetForTimestamp(
  segments: readonly LogSegment[],
  scanner: BatchScanner,
  startOffset: number,
  timestamp: number,
): { offset: number; timestamp: number } | null {
  for (const seg of segments) {
    if (seg.maxTimestamp < timestamp || seg.nextOffset <= startOffset) continue
    const from = Math.max(seg.timeIndex.lookup(timestamp), startOffset, seg.baseOffset)
    if (seg.findBatch(scanner, from, seg.size) < 0) continue
    do {
      if (scanner.maxTimestamp >= timestamp) {
        return {
          offset: Math.max(scanner.baseOffset, startOffset),
          timestamp: scanner.maxTimestamp,
        }
      }
    } while (scanner.next())
  }
  return null
}

/** ListOffsets -3: the largest timestamp and the last offset of the batch that carries it. */
export function maxTimestampOffset(
  segments: readonly LogSegment[],
): { offset: number; timestamp: number } | null {
  let best: LogSegment | null = null
  for (const seg of segments) if (best === null || seg.maxTimestamp > best.maxTimestamp) best = seg
  if (best === null || best.maxTimestamp < 0) return null
  return { offset: best.offsetOfMaxTimestamp, timestamp: best.maxTimestamp }
}
