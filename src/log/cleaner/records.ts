// v2 record parsing and batch rewriting for the cleaner (never on the broker's produce/fetch
// path; `samsa perf consume` parses one record per batch with RecordCursor).
// Record: length varint, attributes int8, timestampDelta varlong, offsetDelta varint, key
// (varint length, -1 = null), value (same), headers (varint count, then key/value pairs).
import { crc32c } from '../../native/index.js'
import {
  ATTRIBUTES,
  ATTR_COMPRESSION_MASK,
  CRC,
  HEADER_SIZE,
  LENGTH,
  LOG_OVERHEAD,
  MAX_TIMESTAMP,
  RECORDS_COUNT,
  writeInt64,
} from '../record-batch.js'

/** One reusable view of the current record: positions into the records buffer. */
export class RecordCursor {
  /** First byte of the record (its length varint) and the byte after it. */
  start = 0
  end = 0
  timestampDelta = 0
  offsetDelta = 0
  keyStart = 0
  /** -1 for a null key. */
  keyLength = -1
  valueStart = 0
  /** -1 for a null value: a tombstone. */
  valueLength = -1
  private pos = 0

  constructor(private buf: Buffer = Buffer.alloc(0)) {}

  get buffer(): Buffer {
    return this.buf
  }

  /** Starts at the first record of a records section; call next() once per record. */
  reset(buf: Buffer, start: number): void {
    this.buf = buf
    this.pos = start
    this.end = start
  }

  /** Parses the record at the current position; throws on malformed bytes. */
  next(limit: number): void {
    const buf = this.buf
    this.start = this.end
    this.pos = this.start
    const length = this.varint(limit)
    const bodyStart = this.pos
    const bodyEnd = bodyStart + length
    if (length < 0 || bodyEnd > limit) throw new Error('record length beyond the batch')
    this.pos++ // attributes
    this.timestampDelta = this.varint(bodyEnd)
    this.offsetDelta = this.varint(bodyEnd)
    this.keyLength = this.varint(bodyEnd)
    this.keyStart = this.pos
    if (this.keyLength > 0) this.pos += this.keyLength
    this.valueLength = this.varint(bodyEnd)
    this.valueStart = this.pos
    if (this.valueLength > 0) this.pos += this.valueLength
    if (this.pos > bodyEnd || buf.length < bodyEnd) throw new Error('record fields overrun')
    this.end = bodyEnd
  }

  /** The key's bytes as a lossless string (latin1 maps each byte to one char), or null. */
  keyString(): string | null {
    if (this.keyLength < 0) return null
    return this.buf.toString('latin1', this.keyStart, this.keyStart + this.keyLength)
  }

  /** Zigzag varint/varlong up to 2^53. */
  private varint(limit: number): number {
    let u = 0
    let mul = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= limit) throw new Error('truncated varint')
      const b = this.buf[this.pos++]
      u += (b & 0x7f) * mul
      if ((b & 0x80) === 0) return u % 2 === 0 ? u / 2 : -(u + 1) / 2
      mul *= 128
    }
    throw new Error('varint too long')
  }
}

/**
 * A new batch from the original header (kept: base offset, lastOffsetDelta, producer id, epoch,
 * base sequence, base timestamp) and the surviving records' bytes, compressed or not. The records
 * keep their offset and timestamp deltas, which stay relative to the unchanged base values.
 */
export function rebuildBatch(
  header: Buffer,
  records: Buffer,
  count: number,
  maxTimestamp: number,
): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + records.length)
  header.copy(out, 0, 0, HEADER_SIZE)
  records.copy(out, HEADER_SIZE)
  out.writeInt32BE(out.length - LOG_OVERHEAD, LENGTH)
  out.writeInt32BE(count, RECORDS_COUNT)
  if (maxTimestamp >= 0) writeInt64(out, MAX_TIMESTAMP, maxTimestamp)
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES)), CRC)
  return out
}

/**
 * Kafka's empty batch: every record was removed but the batch is kept for its offsets and
 * producer sequence (the last batch of a producer id). No records, so no compression.
 */
export function emptyBatch(header: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE)
  header.copy(out, 0, 0, HEADER_SIZE)
  out.writeInt16BE(out.readInt16BE(ATTRIBUTES) & ~ATTR_COMPRESSION_MASK, ATTRIBUTES)
  out.writeInt32BE(HEADER_SIZE - LOG_OVERHEAD, LENGTH)
  out.writeInt32BE(0, RECORDS_COUNT)
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES)), CRC)
  return out
}
