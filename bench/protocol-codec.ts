// Protocol codec micro-benchmark: Produce request decodes/s and Fetch response encodes/s through
// the schema codec (the hot paths). Records are 16 KiB batches that must stay subarrays (decode)
// and file regions (encode), so the rates should not depend on the batch size.
//
// Run: npm run build:ts && node dist/bench/protocol-codec.js [--seconds 1] [--partitions 12]
import type { FileRegion } from '../src/native/index.js'
import { encodeResponse, readRequestHeader, encodeRequest } from '../src/protocol/header.js'
import { FetchResponseSchema } from '../src/protocol/messages/fetch.js'
import type { FetchResponseOut } from '../src/protocol/messages/fetch.js'
import { ProduceRequestSchema } from '../src/protocol/messages/produce.js'
import type { ProduceRequest } from '../src/protocol/messages/produce.js'
import { Reader } from '../src/protocol/primitives/reader.js'
import { Writer, concatChunks } from '../src/protocol/primitives/writer.js'
import { decodeMessage } from '../src/protocol/schema/codec.js'
import { numArg } from './args.js'
import { callsPerSecond } from './timing.js'

const seconds = numArg('seconds', 1)
const partitions = numArg('partitions', 12)
const topics = 3
const perTopic = Math.max(1, Math.round(partitions / topics))
const batchBytes = 16 * 1024

/** Calls per second of fn, rounded (2000 warm-up calls compile the codec plans). */
function opsPerSec(fn: () => void): number {
  return Math.round(callsPerSecond(fn, seconds, 2000))
}

function produceDecode(version: number): void {
  const batch = Buffer.alloc(batchBytes, 0x5a)
  const req: ProduceRequest = {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: Array.from({ length: topics }, (_, t) => ({
      name: `topic-${t}`,
      partitionData: Array.from({ length: perTopic }, (_, p) => ({ index: p, records: batch })),
    })),
  }
  const frame = concatChunks(
    encodeRequest(new Writer(), ProduceRequestSchema, version, 1, 'bench', req),
  )
  const body = frame.subarray(4)
  const headerVersion = version >= 9 ? 2 : 1
  let sink = 0
  const decodes = opsPerSec(() => {
    const reader = new Reader(body)
    readRequestHeader(reader, headerVersion)
    const d = decodeMessage<ProduceRequest>(ProduceRequestSchema, version, reader)
    sink += d.topicData.length
  })
  if (sink === 0) throw new Error('unreachable')
  const recordMB = (decodes * topics * perTopic * batchBytes) / 1e6
  console.log(
    JSON.stringify({
      bench: 'produce-request-decode',
      version,
      partitions: topics * perTopic,
      frameBytes: frame.length,
      decodesPerSec: decodes,
      recordMBPerSec: Math.round(recordMB),
    }),
  )
}

function fetchEncode(version: number): void {
  const res: FetchResponseOut = {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: Array.from({ length: topics }, (_, t) => ({
      topic: `topic-${t}`,
      partitions: Array.from({ length: perTopic }, (_, p) => {
        const regions: FileRegion[] = [{ fd: 10 + p, position: p * batchBytes, length: batchBytes }]
        return {
          partitionIndex: p,
          errorCode: 0,
          highWatermark: 1_000_000,
          lastStableOffset: 1_000_000,
          logStartOffset: 0,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: { regions, bytes: batchBytes },
        }
      }),
    })),
  }
  const w = new Writer(64 * 1024)
  let chunks = 0
  const encodes = opsPerSec(() => {
    chunks += encodeResponse(w, FetchResponseSchema, version, 7, res).chunks.length
  })
  if (chunks === 0) throw new Error('unreachable')
  console.log(
    JSON.stringify({
      bench: 'fetch-response-encode',
      version,
      partitions: topics * perTopic,
      encodesPerSec: encodes,
    }),
  )
}

for (const v of [3, 7, 9]) produceDecode(v)
for (const v of [4, 11, 12]) fetchEncode(v)
