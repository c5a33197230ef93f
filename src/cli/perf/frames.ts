// Pre-encoded Produce requests for the load generator. Each in-flight slot owns one complete
// request frame (size, header, body, record batch) built once; a send patches only the
// correlation id, the partition index, the batch timestamps, the send time embedded in the first
// record's value and the batch CRC. Nothing else is encoded or copied per send.

import { crc32c } from '../../native/index.js'
import { encodeRequest } from '../../protocol/header.js'
import { ProduceRequestSchema } from '../../protocol/messages/produce.js'
import type { ProduceRequest } from '../../protocol/messages/produce.js'
import { Writer, concatChunks } from '../../protocol/primitives/writer.js'
import { buildRecordBatch } from '../../log/batch-builder.js'
import {
  ATTRIBUTES,
  BASE_TIMESTAMP,
  CRC,
  MAX_TIMESTAMP,
  writeInt64,
} from '../../log/record-batch.js'
import { STAMP_BYTES, findFirstValue } from './batch-scan.js'

/** Produce v7: not flexible, so every offset in the frame is fixed; brokers from Kafka 2.1 on. */
export const PRODUCE_VERSION = 7
export { STAMP_BYTES }

export interface ProduceFrame {
  readonly buf: Buffer
  /** Offset of the record batch in buf. */
  readonly batchOffset: number
  readonly batchLength: number
  /** Offset of the partition index (int32) in buf. */
  readonly partitionOffset: number
  /** Offset of the first record's value in buf, or -1 when values are too short to stamp. */
  readonly stampOffset: number
  readonly records: number
}

/** Wall-clock microseconds since the epoch, comparable across processes on one machine. */
export function nowMicros(): number {
  return (performance.timeOrigin + performance.now()) * 1000
}

/**
 * Where the first record's value starts in a v2 batch at `pos` (uncompressed), and its length;
 * null when the batch is compressed, malformed or the value is null.
 */
export function locateFirstValue(
  buf: Buffer,
  pos: number,
): { offset: number; length: number } | null {
  const span = { offset: 0, length: 0 }
  return findFirstValue(buf, pos, buf.length, span) ? span : null
}

/** One batch of `records` values of `messageSize` bytes (null keys), framed as Produce v7. */
export function buildProduceFrame(options: {
  topic: string
  partition: number
  acks: number
  timeoutMs: number
  records: number
  messageSize: number
  clientId?: string
}): ProduceFrame {
  const value = Buffer.alloc(options.messageSize)
  for (let i = 0; i < value.length; i++) value[i] = 97 + (i % 26)
  // The builder copies each value in once; all records share this buffer's contents.
  const batch = buildRecordBatch({
    records: Array.from({ length: options.records }, () => ({ value })),
  })
  const body: ProduceRequest = {
    transactionalId: null,
    acks: options.acks,
    timeoutMs: options.timeoutMs,
    topicData: [
      { name: options.topic, partitionData: [{ index: options.partition, records: batch }] },
    ],
  }
  const buf = concatChunks(
    encodeRequest(
      new Writer(),
      ProduceRequestSchema,
      PRODUCE_VERSION,
      0,
      options.clientId ?? 'samsa-perf',
      body,
    ),
  )
  // Records are the last field of a non-flexible request: the batch ends the frame, preceded by
  // its int32 length and the int32 partition index.
  const batchOffset = buf.length - batch.length
  const partitionOffset = batchOffset - 8
  if (
    buf.readInt32BE(partitionOffset) !== options.partition ||
    buf.readInt32BE(batchOffset - 4) !== batch.length
  )
    throw new Error('unexpected Produce frame layout')
  const first = locateFirstValue(buf, batchOffset)
  const stampOffset = first !== null && first.length >= STAMP_BYTES ? first.offset : -1
  return {
    buf,
    batchOffset,
    batchLength: batch.length,
    partitionOffset,
    stampOffset,
    records: options.records,
  }
}

/** Readies a frame for sending: correlation id, partition, timestamps, CRC. */
export function stampFrame(
  frame: ProduceFrame,
  correlationId: number,
  partition: number,
  sendMicros: number,
): void {
  const { buf, batchOffset } = frame
  buf.writeInt32BE(correlationId, 8)
  buf.writeInt32BE(partition, frame.partitionOffset)
  const ms = Math.floor(sendMicros / 1000)
  writeInt64(buf, batchOffset + BASE_TIMESTAMP, ms)
  writeInt64(buf, batchOffset + MAX_TIMESTAMP, ms)
  if (frame.stampOffset >= 0) buf.writeDoubleBE(sendMicros, frame.stampOffset)
  const end = batchOffset + frame.batchLength
  buf.writeUInt32BE(crc32c(buf.subarray(batchOffset + ATTRIBUTES, end)), batchOffset + CRC)
}
