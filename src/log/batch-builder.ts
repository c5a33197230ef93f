// Builds valid v2 record batches (uncompressed) for tests, benchmarks and internal topics. Not a
// hot path of the broker: the broker stores client batches as received.
import { crc32c } from '../native/index.js'
import {
  ATTRIBUTES,
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE,
  ATTR_TRANSACTIONAL,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  CRC,
  HEADER_SIZE,
  LAST_OFFSET_DELTA,
  LENGTH,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORDS_COUNT,
  writeInt64,
} from './record-batch.js'

export interface BuildRecord {
  key?: Buffer | null
  value: Buffer | null
  headers?: { key: string; value: Buffer | null }[]
  timestamp?: number
}

export interface BuildBatchOptions {
  records: BuildRecord[]
  baseOffset?: number
  baseTimestamp?: number
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
  partitionLeaderEpoch?: number
  /** Only 'none': the builder never compresses. */
  compression?: 'none'
  transactional?: boolean
  control?: boolean
  logAppendTime?: boolean
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1
}

function uvarintSize(u: number): number {
  let size = 1
  while (u >= 128) {
    u = Math.floor(u / 128)
    size++
  }
  return size
}

function varintSize(n: number): number {
  return uvarintSize(zigzag(n))
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  let u = zigzag(n)
  while (u >= 128) {
    buf[pos++] = (u % 128) | 0x80
    u = Math.floor(u / 128)
  }
  buf[pos++] = u
  return pos
}

function bytesFieldSize(b: Buffer | null | undefined): number {
  return b == null ? varintSize(-1) : varintSize(b.length) + b.length
}

function writeBytesField(buf: Buffer, pos: number, b: Buffer | null | undefined): number {
  if (b == null) return writeVarint(buf, pos, -1)
  pos = writeVarint(buf, pos, b.length)
  b.copy(buf, pos)
  return pos + b.length
}

function recordBodySize(r: BuildRecord, timestampDelta: number, offsetDelta: number): number {
  let size = 1 + varintSize(timestampDelta) + varintSize(offsetDelta)
  size += bytesFieldSize(r.key) + bytesFieldSize(r.value)
  const headers = r.headers ?? []
  size += varintSize(headers.length)
  for (const h of headers) {
    const k = Buffer.from(h.key, 'utf8')
    size += varintSize(k.length) + k.length + bytesFieldSize(h.value)
  }
  return size
}

/** One valid v2 batch with a correct CRC-32C. */
export function buildRecordBatch(options: BuildBatchOptions): Buffer {
  const { records } = options
  if (records.length === 0) throw new Error('a batch needs at least one record')
  if (options.compression !== undefined && options.compression !== 'none') {
    throw new Error('buildRecordBatch only writes uncompressed batches')
  }
  const now = Date.now()
  const baseTimestamp = options.baseTimestamp ?? records[0].timestamp ?? now
  let maxTimestamp = -1
  const bodySizes = new Array<number>(records.length)
  let total = HEADER_SIZE
  for (let i = 0; i < records.length; i++) {
    const ts = records[i].timestamp ?? baseTimestamp
    if (ts > maxTimestamp) maxTimestamp = ts
    bodySizes[i] = recordBodySize(records[i], ts - baseTimestamp, i)
    total += varintSize(bodySizes[i]) + bodySizes[i]
  }
  const buf = Buffer.alloc(total)
  writeInt64(buf, 0, options.baseOffset ?? 0)
  buf.writeInt32BE(total - LOG_OVERHEAD, LENGTH)
  buf.writeInt32BE(options.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH)
  buf[MAGIC] = 2
  let attributes = 0
  if (options.logAppendTime === true) attributes |= ATTR_TIMESTAMP_TYPE
  if (options.transactional === true) attributes |= ATTR_TRANSACTIONAL
  if (options.control === true) attributes |= ATTR_CONTROL
  buf.writeInt16BE(attributes, ATTRIBUTES)
  buf.writeInt32BE(records.length - 1, LAST_OFFSET_DELTA)
  writeInt64(buf, BASE_TIMESTAMP, baseTimestamp)
  writeInt64(buf, MAX_TIMESTAMP, maxTimestamp)
  writeInt64(buf, PRODUCER_ID, options.producerId ?? -1)
  buf.writeInt16BE(options.producerEpoch ?? -1, PRODUCER_EPOCH)
  buf.writeInt32BE(options.baseSequence ?? -1, BASE_SEQUENCE)
  buf.writeInt32BE(records.length, RECORDS_COUNT)
  let pos = HEADER_SIZE
  for (let i = 0; i < records.length; i++) {
    const r = records[i]
    const ts = r.timestamp ?? baseTimestamp
    pos = writeVarint(buf, pos, bodySizes[i])
    buf[pos++] = 0
    pos = writeVarint(buf, pos, ts - baseTimestamp)
    pos = writeVarint(buf, pos, i)
    pos = writeBytesField(buf, pos, r.key)
    pos = writeBytesField(buf, pos, r.value)
    const headers = r.headers ?? []
    pos = writeVarint(buf, pos, headers.length)
    for (const h of headers) {
      pos = writeBytesField(buf, pos, Buffer.from(h.key, 'utf8'))
      pos = writeBytesField(buf, pos, h.value)
    }
  }
  buf.writeUInt32BE(crc32c(buf.subarray(ATTRIBUTES)), CRC)
  return buf
}
