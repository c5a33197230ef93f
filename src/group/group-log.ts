// Durable group state: writes offset commits and group metadata as v2 record batches to the
// internal compacted topic __consumer_offsets through the normal PartitionLog.append, and reads
// every partition back at start-up (latest value per key wins, a null value deletes the key).

import { readSync } from 'node:fs'
import { buildRecordBatch } from '../log/batch-builder.js'
import type { BuildRecord } from '../log/batch-builder.js'
import type { LogManager } from '../log/log-manager.js'
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  HEADER_SIZE,
  batchAttributes,
  batchSize,
} from '../log/record-batch.js'
import { Reader } from '../protocol/primitives/reader.js'
import { KafkaError } from '../protocol/errors.js'
import { OFFSETS_TOPIC, partitionForGroup } from './records.js'

export interface KeyValue {
  key: Buffer
  value: Buffer | null
}

/** Where the coordinator persists records; tests use an in-memory double. */
export interface GroupLog {
  /** Appends the records for one group atomically (one batch); resolves once written. */
  append(groupId: string, records: readonly KeyValue[]): Promise<void>
}

export class PartitionGroupLog implements GroupLog {
  constructor(
    private readonly logs: Pick<LogManager, 'get'>,
    private readonly partitions: number,
    private readonly clock: () => number = Date.now,
  ) {}

  append(groupId: string, records: readonly KeyValue[]): Promise<void> {
    if (records.length === 0) return Promise.resolve()
    const partition = partitionForGroup(groupId, this.partitions)
    const log = this.logs.get(OFFSETS_TOPIC, partition)
    if (log === undefined || log.offline) {
      return Promise.reject(
        new KafkaError('COORDINATOR_NOT_AVAILABLE', `${OFFSETS_TOPIC}-${partition} is not online`),
      )
    }
    const now = this.clock()
    const batch = groupBatch(records, now)
    try {
      log.append(batch, { now })
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
    return Promise.resolve()
  }
}

/** One batch of a group's records, all stamped `now` (the leader epoch in cluster mode). */
export function groupBatch(
  records: readonly KeyValue[],
  now: number,
  partitionLeaderEpoch?: number,
): Buffer {
  return buildRecordBatch({
    records: records.map((r): BuildRecord => ({ key: r.key, value: r.value, timestamp: now })),
    baseTimestamp: now,
    partitionLeaderEpoch,
  })
}

const READ_CHUNK = 1 << 20

/** Every record of a __consumer_offsets partition, in offset order (what coordinator.load takes). */
export function partitionRecords(
  logs: Pick<LogManager, 'get'>,
  partition: number,
): { key: Buffer | null; value: Buffer | null }[] {
  const records: { key: Buffer | null; value: Buffer | null }[] = []
  readPartitionRecords(logs, partition, (key, value) => records.push({ key, value }))
  return records
}

/** Calls onRecord for every record of every batch of the partition, in offset order. */
export function readPartitionRecords(
  logs: Pick<LogManager, 'get'>,
  partition: number,
  onRecord: (key: Buffer | null, value: Buffer | null) => void,
): void {
  const log = logs.get(OFFSETS_TOPIC, partition)
  if (log === undefined || log.offline) return
  let offset = log.logStartOffset
  const end = log.logEndOffset
  while (offset < end) {
    const result = log.read(offset, READ_CHUNK)
    if (result.bytes === 0) {
      result.release()
      break
    }
    let buf: Buffer
    try {
      buf = Buffer.allocUnsafe(result.bytes)
      let at = 0
      for (const region of result.regions) {
        let done = 0
        while (done < region.length) {
          const n = readSync(
            region.fd,
            buf,
            at + done,
            region.length - done,
            region.position + done,
          )
          if (n === 0) throw new Error(`short read of ${OFFSETS_TOPIC}-${partition}`)
          done += n
        }
        at += region.length
      }
    } finally {
      result.release()
    }
    offset = parseBatches(buf, onRecord, offset)
  }
}

/** Parses whole batches in buf; returns the offset after the last batch seen. */
function parseBatches(
  buf: Buffer,
  onRecord: (key: Buffer | null, value: Buffer | null) => void,
  fallback: number,
): number {
  let pos = 0
  let next = fallback
  while (pos + HEADER_SIZE <= buf.length) {
    const size = batchSize(buf, pos)
    if (size < HEADER_SIZE || pos + size > buf.length) break
    const baseOffset = Number(buf.readBigInt64BE(pos))
    const lastOffset = baseOffset + buf.readInt32BE(pos + 23)
    next = lastOffset + 1
    const attributes = batchAttributes(buf, pos)
    if ((attributes & ATTR_CONTROL) === 0 && (attributes & ATTR_COMPRESSION_MASK) === 0) {
      const count = buf.readInt32BE(pos + HEADER_SIZE - 4)
      const r = new Reader(buf, pos + HEADER_SIZE, pos + size)
      for (let i = 0; i < count; i++) {
        const length = r.varint()
        const recordEnd = r.offset + length
        r.int8() // attributes
        r.varlong() // timestamp delta
        r.varint() // offset delta
        const keyLen = r.varint()
        const key = keyLen < 0 ? null : take(r, keyLen)
        const valueLen = r.varint()
        const value = valueLen < 0 ? null : take(r, valueLen)
        r.offset = recordEnd
        onRecord(key, value)
      }
    }
    pos += size
  }
  return next
}

function take(r: Reader, len: number): Buffer {
  r.need(len, 'record field')
  const b = r.buf.subarray(r.offset, r.offset + len)
  r.offset += len
  return b
}
