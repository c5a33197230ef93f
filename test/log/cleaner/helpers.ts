// Helpers of the compaction tests: keyed (optionally compressed) batches and a whole-log reader
// that decodes every record.
import { buildRecordBatch } from '../../../src/log/batch-builder.js'
import { crc32c } from '../../../src/native/index.js'
import { decompress } from '../../../src/log/cleaner/codecs.js'
import { RecordCursor } from '../../../src/log/cleaner/records.js'
import {
  ATTRIBUTES,
  ATTR_COMPRESSION_MASK,
  CRC,
  HEADER_SIZE,
  LENGTH,
  LOG_OVERHEAD,
} from '../../../src/log/record-batch.js'
import { readRegions } from '../helpers.js'
import type { PartitionLog } from '../../../src/log/partition-log.js'

export { compressBatch, stallMonitor } from '../../../bench/compaction-tools.js'
export type { StallStats } from '../../../bench/compaction-tools.js'

export interface KV {
  key: string | null
  value: string | null
}

export interface ReadRecord extends KV {
  offset: number
  codec: number
}

export function keyedBatch(
  records: KV[],
  opts: { timestamp?: number; producerId?: number; epoch?: number; seq?: number } = {},
): Buffer {
  return buildRecordBatch({
    records: records.map((r) => ({
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
      timestamp: opts.timestamp,
    })),
    baseTimestamp: opts.timestamp,
    producerId: opts.producerId,
    producerEpoch: opts.epoch,
    baseSequence: opts.seq,
  })
}

/** Every record from the log start to the end, decoded (CRCs checked). */
export async function readAll(log: PartitionLog): Promise<ReadRecord[]> {
  const r = log.read(log.logStartOffset, 1 << 30)
  const bytes = readRegions(r.regions)
  r.release()
  const out: ReadRecord[] = []
  const cursor = new RecordCursor()
  for (let p = 0; p < bytes.length;) {
    const size = bytes.readInt32BE(p + LENGTH) + LOG_OVERHEAD
    if (bytes.readUInt32BE(p + CRC) !== crc32c(bytes.subarray(p + ATTRIBUTES, p + size)))
      throw new Error(`bad CRC at ${p}`)
    const base = Number(bytes.readBigInt64BE(p))
    const codec = bytes.readInt16BE(p + ATTRIBUTES) & ATTR_COMPRESSION_MASK
    const records = await decompress(codec, bytes.subarray(p + HEADER_SIZE, p + size))
    cursor.reset(records, 0)
    for (let n = bytes.readInt32BE(p + 57); n > 0; n--) {
      cursor.next(records.length)
      const v = records
      out.push({
        offset: base + cursor.offsetDelta,
        key: cursor.keyString(),
        value:
          cursor.valueLength < 0
            ? null
            : v.toString(
                'utf8',
                cursor.keyStart + Math.max(0, cursor.keyLength) + varintLen(cursor.valueLength),
                cursor.keyStart +
                  Math.max(0, cursor.keyLength) +
                  varintLen(cursor.valueLength) +
                  cursor.valueLength,
              ),
        codec,
      })
    }
    p += size
  }
  return out
}

function varintLen(n: number): number {
  let u = n >= 0 ? n * 2 : -n * 2 - 1
  let len = 1
  while (u >= 128) {
    u = Math.floor(u / 128)
    len++
  }
  return len
}

/** Latest value per key, as a reader of the whole log would conclude. */
export function latestByKey(records: readonly ReadRecord[]): Map<string, string | null> {
  const m = new Map<string, string | null>()
  for (const r of records) if (r.key !== null) m.set(r.key, r.value)
  return m
}
