// Record batch v2 (magic 2) header: field positions, validation and in-place patching. Only the
// 61-byte header is ever looked at; records stay opaque bytes (possibly compressed).
import { KafkaError } from '../protocol/errors.js'
import { crc32c } from '../native/index.js'

export const HEADER_SIZE = 61
/** Bytes before the `length` field's coverage starts: baseOffset (8) + length (4). */
export const LOG_OVERHEAD = 12
export const BASE_OFFSET = 0
export const LENGTH = 8
export const PARTITION_LEADER_EPOCH = 12
export const MAGIC = 16
export const CRC = 17
export const ATTRIBUTES = 21
export const LAST_OFFSET_DELTA = 23
export const BASE_TIMESTAMP = 27
export const MAX_TIMESTAMP = 35
export const PRODUCER_ID = 43
export const PRODUCER_EPOCH = 51
export const BASE_SEQUENCE = 53
export const RECORDS_COUNT = 57

export const ATTR_COMPRESSION_MASK = 0x07
export const ATTR_TIMESTAMP_TYPE = 0x08
export const ATTR_TRANSACTIONAL = 0x10
export const ATTR_CONTROL = 0x20

const TWO_32 = 4294967296

export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4)
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  buf.writeInt32BE(Math.floor(value / TWO_32), pos)
  buf.writeUInt32BE(value >>> 0, pos + 4)
}

export function batchBaseOffset(buf: Buffer, pos: number): number {
  return readInt64(buf, pos + BASE_OFFSET)
}
/** Whole batch size on disk, including the 12 bytes of baseOffset + length. */
export function batchSize(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + LENGTH) + LOG_OVERHEAD
}
export function batchLastOffsetDelta(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + LAST_OFFSET_DELTA)
}
export function batchLastOffset(buf: Buffer, pos: number): number {
  return batchBaseOffset(buf, pos) + batchLastOffsetDelta(buf, pos)
}
export function batchMaxTimestamp(buf: Buffer, pos: number): number {
  return readInt64(buf, pos + MAX_TIMESTAMP)
}
export function batchAttributes(buf: Buffer, pos: number): number {
  return buf.readInt16BE(pos + ATTRIBUTES)
}
export function batchProducerId(buf: Buffer, pos: number): number {
  return readInt64(buf, pos + PRODUCER_ID)
}
export function batchProducerEpoch(buf: Buffer, pos: number): number {
  return buf.readInt16BE(pos + PRODUCER_EPOCH)
}
export function batchBaseSequence(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + BASE_SEQUENCE)
}
export function batchRecordsCount(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos + RECORDS_COUNT)
}

/** The stored CRC matches CRC-32C over attributes..end of the batch. */
export function batchCrcValid(buf: Buffer, pos: number, size: number): boolean {
  return buf.readUInt32BE(pos + CRC) === crc32c(buf.subarray(pos + ATTRIBUTES, pos + size))
}

/**
 * Validates the batch at `pos` of a produce buffer ending at `end` and returns its size.
 * Errors (Kafka's codes):
 * - CORRUPT_MESSAGE: truncated header, length field inconsistent with the buffer, bad CRC.
 * - INVALID_RECORD: magic other than 2 (Kafka answers UNSUPPORTED_FOR_MESSAGE_FORMAT or
 *   CORRUPT_MESSAGE depending on version; we only store v2 and call old formats invalid records),
 *   no records, or lastOffsetDelta != recordsCount - 1.
 * - MESSAGE_TOO_LARGE: batch larger than max.message.bytes.
 */
export function validateBatch(
  buf: Buffer,
  pos: number,
  end: number,
  maxMessageBytes: number,
): number {
  if (end - pos < HEADER_SIZE) {
    // Old formats have shorter headers: report them as such when the magic byte is readable.
    if (end - pos > MAGIC && buf[pos + MAGIC] !== 2) {
      throw new KafkaError('INVALID_RECORD', `unsupported magic ${buf[pos + MAGIC]}`)
    }
    throw new KafkaError('CORRUPT_MESSAGE', `truncated batch header: ${end - pos} bytes`)
  }
  const magic = buf[pos + MAGIC]
  if (magic !== 2) throw new KafkaError('INVALID_RECORD', `unsupported magic ${magic}`)
  const size = batchSize(buf, pos)
  if (size < HEADER_SIZE || size > end - pos) {
    throw new KafkaError('CORRUPT_MESSAGE', `batch length ${size} does not fit ${end - pos} bytes`)
  }
  if (size > maxMessageBytes) {
    throw new KafkaError(
      'MESSAGE_TOO_LARGE',
      `batch of ${size} bytes > max.message.bytes ${maxMessageBytes}`,
    )
  }
  const count = batchRecordsCount(buf, pos)
  if (count < 1 || batchLastOffsetDelta(buf, pos) !== count - 1) {
    throw new KafkaError(
      'INVALID_RECORD',
      `recordsCount ${count} inconsistent with lastOffsetDelta ${batchLastOffsetDelta(buf, pos)}`,
    )
  }
  if (!batchCrcValid(buf, pos, size)) throw new KafkaError('CORRUPT_MESSAGE', 'CRC mismatch')
  return size
}

/** Assigns the offset and leader epoch: both lie outside the CRC, so no recomputation. */
export function patchBatch(
  buf: Buffer,
  pos: number,
  baseOffset: number,
  leaderEpoch: number,
): void {
  writeInt64(buf, pos + BASE_OFFSET, baseOffset)
  buf.writeInt32BE(leaderEpoch, pos + PARTITION_LEADER_EPOCH)
}

/**
 * LogAppendTime: set the timestamp-type bit and maxTimestamp = now (records keep their deltas;
 * consumers use maxTimestamp for every record, as with Kafka), then recompute the CRC.
 */
export function setLogAppendTime(buf: Buffer, pos: number, size: number, now: number): void {
  buf.writeInt16BE(batchAttributes(buf, pos) | ATTR_TIMESTAMP_TYPE, pos + ATTRIBUTES)
  writeInt64(buf, pos + MAX_TIMESTAMP, now)
  buf.writeUInt32BE(crc32c(buf.subarray(pos + ATTRIBUTES, pos + size)), pos + CRC)
}

/**
 * Sequence arithmetic of Kafka's DefaultRecordBatch: sequences wrap from INT32_MAX to 0.
 */
export function incrementSequence(sequence: number, increment: number): number {
  const INT32_MAX = 2147483647
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1
  return sequence + increment
}
