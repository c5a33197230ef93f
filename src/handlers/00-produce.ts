// Produce (key 0). Serves v3-9 (record batch v2 only); v0-2 are advertised, as Kafka 4 does for
// librdkafka's feature detection, and answered with UNSUPPORTED_VERSION per partition: their
// message-format v0/v1 bytes are never appended. Per request and per batch work only: the batch
// bytes are a subarray of the request frame and go to the log as they are. Nothing may read or
// keep the request bytes once handle() returns, even when it returns a promise (the acks=all
// replication wait): the frame is a view of the connection's read buffer, which the next socket
// read overwrites (server/frame-reader.ts).
//
// acks=-1 on a single node: the ISR is this node alone, so a topic whose min.insync.replicas is
// above 1 answers NOT_ENOUGH_REPLICAS without appending, as a one-broker Kafka does.
import { ErrorCode, KafkaError, errorCodeOf } from '../protocol/errors.js'
import { ProduceRequestSchema, ProduceResponseSchema } from '../protocol/messages/produce.js'
import type {
  ProducePartitionResponse,
  ProduceRequest,
  ProduceResponse,
} from '../protocol/messages/produce.js'
import type { ReplicaManager } from '../cluster/replication/replica-manager.js'
import { CloseConnection } from '../server/connection.js'
import type { HandlerDef } from '../server/handler.js'
import type { TrafficObserver } from '../server/stats.js'
import type { LogLookup } from './02-list-offsets.js'
import { LEADER_EPOCH } from './02-list-offsets.js'

/** First version with record batch v2 (magic 2). */
export const MIN_SERVED_VERSION = 3
// A v2 batch starts with baseOffset (8 bytes) and batchLength (4 bytes), the rest of the batch.
const LOG_OVERHEAD = 12

function failed(index: number, err: unknown, version: number): ProducePartitionResponse {
  return {
    index,
    errorCode: errorCodeOf(err),
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage: version >= 8 && err instanceof KafkaError ? err.message : null,
  }
}

/** The v2 header after the offset and length fields (61 - 12 bytes). */
const MIN_BATCH_LENGTH = 49

/** Kafka (v3+): exactly one record batch per partition. Only the outer header is read. */
function checkSingleBatch(records: Buffer | null): Buffer {
  if (records === null || records.length === 0) {
    throw new KafkaError('INVALID_RECORD', 'no record batch for the partition')
  }
  // A declared length below the v2 header is a corrupt batch, not a second one: the log's
  // validation answers it with CORRUPT_MESSAGE as Kafka does.
  const declared = records.length >= LOG_OVERHEAD ? records.readInt32BE(8) : -1
  if (declared >= MIN_BATCH_LENGTH && LOG_OVERHEAD + declared < records.length) {
    throw new KafkaError('INVALID_RECORD', 'more than one record batch for the partition')
  }
  return records
}

function requestError(request: ProduceRequest, version: number): KafkaError | null {
  if (version < MIN_SERVED_VERSION) {
    return new KafkaError('UNSUPPORTED_VERSION', `produce v${version}: message format v0/v1`)
  }
  if (request.acks !== -1 && request.acks !== 0 && request.acks !== 1) {
    return new KafkaError('INVALID_REQUIRED_ACKS', `acks=${request.acks}`)
  }
  // Transactions are not implemented (docs/SKIPPED.md); Kafka's answer to a producer that may not
  // use its transactional id is non-retriable, so clients stop instead of looping.
  if (request.transactionalId !== null) {
    return new KafkaError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'transactions not supported')
  }
  return null
}

export interface ProduceOutcome {
  response: ProduceResponse
  /** Some partition failed: with acks=0 the connection must be closed. */
  anyError: boolean
  /** Cluster mode, acks=all: partitions whose answer waits for the high watermark. */
  waits: ReplicationWait[]
}

/** An appended partition of an acks=all produce waiting for HW >= requiredOffset. */
export interface ReplicationWait {
  topic: string
  response: ProducePartitionResponse
  requiredOffset: number
}

/** What Produce needs from replication in cluster mode. */
export type ProduceReplication = Pick<ReplicaManager, 'checkProduce' | 'awaitReplication'>

export function produce(
  request: ProduceRequest,
  version: number,
  logs: LogLookup,
  traffic?: TrafficObserver,
  replication?: ProduceReplication,
): ProduceOutcome {
  const whole = requestError(request, version)
  let anyError = false
  const waits: ReplicationWait[] = []
  const responses = request.topicData.map((topic) => ({
    name: topic.name,
    partitionResponses: topic.partitionData.map((p): ProducePartitionResponse => {
      try {
        if (whole !== null) throw whole
        const log = logs.get(topic.name, p.index)
        if (log === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION')
        const batch = checkSingleBatch(p.records)
        // Cluster mode: only the leader appends, stamping its epoch into the batch.
        let leaderEpoch = LEADER_EPOCH
        if (replication !== undefined)
          leaderEpoch = replication.checkProduce(topic.name, p.index, request.acks).leaderEpoch
        else if (request.acks === -1 && log.config.minInsyncReplicas > 1)
          throw new KafkaError(
            'NOT_ENOUGH_REPLICAS',
            `ISR 1 < min.insync.replicas ${log.config.minInsyncReplicas}`,
          )
        const info = log.append(batch, { leaderEpoch })
        if (!info.duplicate)
          traffic?.produced(topic.name, batch.length, info.lastOffset - info.firstOffset + 1)
        // A duplicate (idempotent retry) answers with the offsets of the original append.
        const response: ProducePartitionResponse = {
          index: p.index,
          errorCode: ErrorCode.NONE,
          baseOffset: info.firstOffset,
          logAppendTimeMs: info.logAppendTime,
          logStartOffset: info.logStartOffset,
          recordErrors: [],
          errorMessage: null,
        }
        if (replication !== undefined && request.acks === -1)
          waits.push({ topic: topic.name, response, requiredOffset: info.lastOffset + 1 })
        return response
      } catch (err) {
        anyError = true
        return failed(p.index, err, version)
      }
    }),
  }))
  return { response: { responses, throttleTimeMs: 0 }, anyError, waits }
}

/** acks=all in cluster mode: each waiting partition's answer once its HW covers the batch. */
export async function awaitReplication(
  outcome: ProduceOutcome,
  replication: ProduceReplication,
  timeoutMs: number,
  version: number,
): Promise<ProduceResponse> {
  await Promise.all(
    outcome.waits.map(async (w) => {
      const result = await replication.awaitReplication(
        w.topic,
        w.response.index,
        w.requiredOffset,
        timeoutMs,
      )
      if (result !== 'NONE')
        Object.assign(w.response, failed(w.response.index, new KafkaError(result), version))
    }),
  )
  return outcome.response
}

export const produceHandler: HandlerDef<ProduceRequest, ProduceResponse> = {
  apiKey: 0,
  name: 'Produce',
  // v0-2 are decoded so they can be refused per partition instead of closing the connection.
  minVersion: 0,
  advertisedMinVersion: 0,
  maxVersion: 9,
  request: ProduceRequestSchema,
  response: ProduceResponseSchema,
  handle(request, ctx) {
    const replication = ctx.broker.replication
    // The appends happen here, synchronously: only the wait for the high watermark is async.
    const outcome = produce(
      request,
      ctx.apiVersion,
      ctx.broker.logs,
      ctx.broker.stats?.traffic, // handler-test fixtures may build no stats
      replication,
    )
    const { response, anyError } = outcome
    if (outcome.waits.length > 0 && replication !== undefined)
      return awaitReplication(outcome, replication, request.timeoutMs, ctx.apiVersion)
    if (request.acks !== 0) return response
    // acks=0 has no response; a failure closes the connection so the client refreshes metadata.
    if (anyError) throw new CloseConnection('acks=0 produce failed on some partition')
    return null
  },
}

export const handler = produceHandler
export default produceHandler
