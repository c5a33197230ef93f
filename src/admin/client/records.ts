// Reads the records of v2 record batches (a Fetch response's records field) for `samsa consume`.
// Every Kafka codec is decoded (gzip, snappy raw or xerial-framed, lz4 frame, zstd: the cleaner's
// codecs, run on the thread pool). A truncated last batch (Fetch may cut one at max bytes) is
// ignored; control batches skipped.

import { CODEC_NAMES, decompress } from '../../log/cleaner/codecs.js'
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTRIBUTES,
  BASE_TIMESTAMP,
  HEADER_SIZE,
  LAST_OFFSET_DELTA,
  LENGTH,
  LOG_OVERHEAD,
  MAGIC,
  RECORDS_COUNT,
  readInt64,
} from '../../log/record-batch.js'
import { ClientError } from './connection.js'

export interface ConsumedHeader {
  key: string
  value: Buffer | null
}

export interface ConsumedRecord {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: ConsumedHeader[]
}

class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}

  varint(): number {
    let u = 0
    let mul = 1
    for (;;) {
      if (this.pos >= this.buf.length) throw new ClientError('record runs past its batch')
      const b = this.buf[this.pos++] as number
      u += (b & 0x7f) * mul
      if ((b & 0x80) === 0) break
      mul *= 128
    }
    // zigzag without 32-bit operators: timestamps deltas may exceed int32
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2
  }

  bytes(): Buffer | null {
    const n = this.varint()
    if (n < 0) return null
    if (this.pos + n > this.buf.length) throw new ClientError('record field runs past its batch')
    const b = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return b
  }
}

function readRecords(
  body: Buffer,
  count: number,
  baseOffset: number,
  baseTimestamp: number,
  out: ConsumedRecord[],
): void {
  const c = new Cursor(body, 0)
  for (let i = 0; i < count; i++) {
    const length = c.varint()
    const end = c.pos + length
    c.pos++ // attributes (unused in v2)
    const timestampDelta = c.varint()
    const offsetDelta = c.varint()
    const key = c.bytes()
    const value = c.bytes()
    const n = c.varint()
    const headers: ConsumedHeader[] = []
    for (let h = 0; h < n; h++) {
      const k = c.bytes()
      headers.push({ key: k === null ? '' : k.toString('utf8'), value: c.bytes() })
    }
    c.pos = end
    out.push({
      offset: baseOffset + offsetDelta,
      timestamp: baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    })
  }
}

/** The records of every complete batch in `data`, in offset order. */
export async function decodeRecordBatches(data: Buffer | null): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = []
  if (data === null) return out
  let pos = 0
  while (pos + LOG_OVERHEAD <= data.length) {
    const size = LOG_OVERHEAD + data.readInt32BE(pos + LENGTH)
    if (pos + size > data.length) break
    const magic = data[pos + MAGIC]
    if (magic !== 2)
      throw new ClientError(`record batch at byte ${pos} has magic ${magic}; only v2 is supported`)
    const attributes = data.readInt16BE(pos + ATTRIBUTES)
    if ((attributes & ATTR_CONTROL) === 0) {
      const baseOffset = readInt64(data, pos)
      const baseTimestamp = readInt64(data, pos + BASE_TIMESTAMP)
      const count = data.readInt32BE(pos + RECORDS_COUNT)
      let body = data.subarray(pos + HEADER_SIZE, pos + size)
      const codec = attributes & ATTR_COMPRESSION_MASK
      if (codec >= CODEC_NAMES.length)
        throw new ClientError(
          `batch at offset ${baseOffset} has unknown compression codec ${codec}`,
        )
      if (codec !== 0) {
        try {
          body = await decompress(codec, body)
        } catch (err) {
          throw new ClientError(
            `batch at offset ${baseOffset}: ${CODEC_NAMES[codec]} data does not decompress (${String(err)})`,
          )
        }
      }
      readRecords(body, count, baseOffset, baseTimestamp, out)
    }
    pos += size
  }
  return out
}

/** The offset after the last complete batch in `data` (control batches included), or null. */
export function nextOffsetAfter(data: Buffer | null): number | null {
  if (data === null) return null
  let pos = 0
  let next: number | null = null
  while (pos + LOG_OVERHEAD <= data.length) {
    const size = LOG_OVERHEAD + data.readInt32BE(pos + LENGTH)
    if (pos + size > data.length || size < HEADER_SIZE) break
    next = readInt64(data, pos) + data.readInt32BE(pos + LAST_OFFSET_DELTA) + 1
    pos += size
  }
  return next
}
