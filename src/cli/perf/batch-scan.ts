// Counts the record batches of a fetched records region in place: batch headers give the record
// count and the next offset; only the first record of a batch is parsed, to find its value (its
// length stands for every value in the batch, and its first 8 bytes hold the send time that
// `samsa perf produce` stamps). No record is decoded into an object and nothing is copied.

import {
  ATTRIBUTES,
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  BASE_OFFSET,
  HEADER_SIZE,
  LAST_OFFSET_DELTA,
  LENGTH,
  LOG_OVERHEAD,
  MAGIC,
  RECORDS_COUNT,
} from '../../log/record-batch.js'
import { RecordCursor } from '../../log/cleaner/records.js'
import type { Histogram } from './histogram.js'

/** Values at least this long carry the send time (float64 epoch microseconds) in bytes 0-7. */
export const STAMP_BYTES = 8
/** Latencies beyond an hour are not send times (records not written by samsa perf). */
const MAX_PLAUSIBLE_US = 3.6e9

/** Result of findFirstValue, reused across calls so scanning allocates nothing. */
export interface ValueSpan {
  offset: number
  length: number
}

/** One reusable record parser: scanning allocates nothing. */
const cursor = new RecordCursor()

/**
 * Finds the first record's value of the uncompressed v2 batch at `pos` (the batch ends at or
 * before `end`) and writes its offset and length into `out`. False when the batch is compressed,
 * empty, malformed or the value is null.
 */
export function findFirstValue(buf: Buffer, pos: number, end: number, out: ValueSpan): boolean {
  if (((buf[pos + ATTRIBUTES + 1] as number) & ATTR_COMPRESSION_MASK) !== 0) return false
  if (buf.readInt32BE(pos + RECORDS_COUNT) <= 0) return false
  cursor.reset(buf, pos + HEADER_SIZE)
  try {
    cursor.next(end)
  } catch {
    return false // malformed
  }
  if (cursor.valueLength < 0) return false
  out.offset = cursor.valueStart
  out.length = cursor.valueLength
  return true
}

/** Running totals of a consumer: records, value bytes, batch bytes and end-to-end latency. */
export class BatchScanner {
  records = 0
  /** First value length x record count, per batch. */
  valueBytes = 0
  batchBytes = 0
  private readonly span: ValueSpan = { offset: 0, length: 0 }
  /** Send times before this are not recorded (set from the first stamp seen). */
  private recordFrom = -Infinity

  constructor(
    private readonly histogram: Histogram,
    /** Latency of records sent in the first this many microseconds is not recorded. */
    private readonly warmupUs = 0,
  ) {}

  /**
   * Scans the complete batches in buf[start, end) (a partial batch at the end is left for the
   * next fetch), counting those that end at or after `fetchOffset`. Returns the offset to fetch
   * next: `fetchOffset` when the region held nothing new.
   */
  scan(buf: Buffer, start: number, end: number, fetchOffset: number, receivedAt: number): number {
    let next = fetchOffset
    let pos = start
    while (end - pos >= LOG_OVERHEAD + 5) {
      const size = buf.readInt32BE(pos + LENGTH) + LOG_OVERHEAD
      if (size < LOG_OVERHEAD + 5 || pos + size > end) break
      const base = Number(buf.readBigInt64BE(pos + BASE_OFFSET))
      if ((buf[pos + MAGIC] as number) < 2) {
        // A legacy message set entry: one message (or a compressed wrapper) at `base`.
        if (base >= next) {
          next = base + 1
          this.records += 1
          this.batchBytes += size
        }
        pos += size
        continue
      }
      if (size < HEADER_SIZE) break
      const last = base + buf.readInt32BE(pos + LAST_OFFSET_DELTA)
      if (last >= next) {
        next = last + 1
        this.batchBytes += size
        // Control batches (transaction markers) hold no records a consumer sees.
        if (((buf[pos + ATTRIBUTES + 1] as number) & ATTR_CONTROL) === 0)
          this.count(buf, pos, pos + size, receivedAt)
      }
      pos += size
    }
    return next
  }

  private count(buf: Buffer, pos: number, end: number, receivedAt: number): void {
    const count = buf.readInt32BE(pos + RECORDS_COUNT)
    this.records += count
    if (!findFirstValue(buf, pos, end, this.span)) return
    this.valueBytes += this.span.length * count
    if (this.span.length < STAMP_BYTES) return
    const sentAt = buf.readDoubleBE(this.span.offset)
    if (this.warmupUs > 0) {
      if (this.recordFrom === -Infinity) this.recordFrom = sentAt + this.warmupUs
      if (sentAt < this.recordFrom) return
    }
    const latency = receivedAt - sentAt
    if (latency >= 0 && latency < MAX_PLAUSIBLE_US) this.histogram.record(latency, count)
  }
}
