// Fetch (key 1), versions 4-12. Every partition's data is a list of file regions at batch
// boundaries (the ordered writer hands them to sendfile); the segments they point into stay
// pinned until the response has left. Incremental fetch sessions (KIP-227, v7+) live in the
// FetchSessionCache: an incremental fetch reads every partition of its session and answers with
// the ones that changed. Long polls wait in the FetchPurgatory for appends to any of them.
import { ErrorCode, KafkaError, errorCodeOf } from '../protocol/errors.js'
import { FetchRequestSchema, FetchResponseSchema } from '../protocol/messages/fetch.js'
import { recordsBytes } from '../protocol/schema/dsl.js'
import type {
  FetchPartitionDataOut,
  FetchRequest,
  FetchResponseOut,
} from '../protocol/messages/fetch.js'
import type { LogReadResult, PartitionLog } from '../log/partition-log.js'
import type { ReplicaManager } from '../cluster/replication/replica-manager.js'
import type { DispatchContext } from '../server/dispatcher.js'
import type { FetchPurgatory } from '../server/fetch-purgatory.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'
import type { TrafficObserver } from '../server/stats.js'
import type { LogLookup } from './02-list-offsets.js'
import { checkLeaderEpoch } from './02-list-offsets.js'

const EMPTY_RECORDS = Buffer.alloc(0)
const READ_COMMITTED = 1

/** What Fetch needs from replication in cluster mode. */
export type FetchReplication = Pick<ReplicaManager, 'followerFetch' | 'leaderOrThrow'>

/**
 * The log to read and how far: consumers up to the high watermark, followers (replica_id >= 0,
 * cluster mode) up to the log end, their fetch offset recorded as their LEO on the leader.
 */
function fetchTarget(
  topic: string,
  p: FetchRequest['topics'][number]['partitions'][number],
  replicaId: number,
  logs: LogLookup,
  replication: FetchReplication | undefined,
): { log: PartitionLog; maxOffset: number } {
  if (replication === undefined) {
    const log = logs.get(topic, p.partition)
    if (log === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION')
    checkLeaderEpoch(p.currentLeaderEpoch)
    return { log, maxOffset: log.highWatermark }
  }
  if (logs.get(topic, p.partition) === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION')
  if (replicaId >= 0) {
    const log = replication.followerFetch(
      topic,
      p.partition,
      replicaId,
      p.fetchOffset,
      p.currentLeaderEpoch,
      p.logStartOffset,
    )
    return { log, maxOffset: log.logEndOffset }
  }
  const log = replication.leaderOrThrow(topic, p.partition, p.currentLeaderEpoch).log
  return { log, maxOffset: log.highWatermark }
}

/** The outcome of one pass over the requested partitions. */
export interface FetchPass {
  response: FetchResponseOut
  /** Record bytes in the response. */
  bytes: number
  /** Some partition has an error code: answer at once, no long poll (as Kafka does). */
  anyError: boolean
  /** Drops every segment pin of this pass; idempotent. */
  release(): void
}

function errorPartition(partitionIndex: number, err: unknown): FetchPartitionDataOut {
  return {
    partitionIndex,
    errorCode: errorCodeOf(err),
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY_RECORDS,
  }
}

/**
 * Reads every partition once, in request order. KIP-74: partition_max_bytes and the response's
 * max_bytes are soft for the first partition that has data (it gets at least one whole batch),
 * hard for the ones after it.
 */
export function readPartitions(
  request: FetchRequest,
  logs: LogLookup,
  replication?: FetchReplication,
): FetchPass {
  const reads: LogReadResult[] = []
  let bytes = 0
  let anyError = false
  let budget = request.maxBytes
  const committed = request.isolationLevel === READ_COMMITTED
  const responses = request.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((p): FetchPartitionDataOut => {
      try {
        const target = fetchTarget(t.topic, p, request.replicaId, logs, replication)
        const log = target.log
        // No transactions: last stable offset = high watermark.
        const hw = log.highWatermark
        const first = bytes === 0
        const limit = Math.max(0, Math.min(p.partitionMaxBytes, budget))
        let read: LogReadResult
        try {
          read = log.read(p.fetchOffset, limit, { maxOffset: target.maxOffset, minOneBatch: first })
        } catch (err) {
          // A follower behind the log start learns where the leader's log now starts.
          if (replication !== undefined && request.replicaId >= 0) {
            anyError = true
            return { ...errorPartition(p.partition, err), logStartOffset: log.logStartOffset }
          }
          throw err
        }
        reads.push(read)
        bytes += read.bytes
        budget -= read.bytes
        return {
          partitionIndex: p.partition,
          errorCode: ErrorCode.NONE,
          highWatermark: hw,
          lastStableOffset: hw,
          logStartOffset: log.logStartOffset,
          abortedTransactions: committed ? [] : null,
          preferredReadReplica: -1,
          records: read.bytes > 0 ? { regions: read.regions, bytes: read.bytes } : EMPTY_RECORDS,
        }
      } catch (err) {
        anyError = true
        return errorPartition(p.partition, err)
      }
    }),
  }))
  return {
    response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses },
    bytes,
    anyError,
    release: () => {
      for (const r of reads.splice(0)) r.release()
    },
  }
}

export interface FetchDeps {
  logs: LogLookup
  purgatory: Pick<FetchPurgatory, 'wait'>
  now?: () => number
  replication?: FetchReplication
}

/**
 * Reads, and while fewer than min_bytes are available and max_wait_ms has not passed, waits for
 * an append to one of the partitions and reads again. The caller must release() the result
 * after the response has been sent.
 */
export async function fetch(request: FetchRequest, deps: FetchDeps): Promise<FetchPass> {
  const now = deps.now ?? Date.now
  const deadline = now() + request.maxWaitMs
  let pass = readPartitions(request, deps.logs, deps.replication)
  const hasPartitions = request.topics.some((t) => t.partitions.length > 0)
  while (!pass.anyError && pass.bytes < request.minBytes) {
    const left = deadline - now()
    if (left <= 0 || !hasPartitions) break
    pass.release()
    const reason = await deps.purgatory.wait(request.topics, left)
    pass = readPartitions(request, deps.logs, deps.replication)
    if (reason !== 'append') break
  }
  return pass
}

/** Record bytes per topic of one response (per partition, not per batch). */
function countFetched(response: FetchResponseOut, traffic: TrafficObserver): void {
  for (const t of response.responses) {
    let bytes = 0
    for (const p of t.partitions) bytes += recordsBytes(p.records)
    if (bytes > 0) traffic.fetched(t.topic, bytes)
  }
}

/** Runs fn once the response has been sent (or dropped); at once without the server's hook. */
function afterSent(ctx: RequestContext, fn: () => void): void {
  const hook = (ctx as Partial<DispatchContext>).onResponseSent
  if (hook === undefined) fn()
  else hook.call(ctx, fn)
}

export const fetchHandler: HandlerDef<FetchRequest, FetchResponseOut> = {
  apiKey: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 12,
  request: FetchRequestSchema,
  response: FetchResponseSchema,
  async handle(request, ctx) {
    const sessions = ctx.broker.fetchSessions
    const context = sessions.newContext(request)
    if (context.kind === 'error') return context.response
    const pass = await fetch(context.request, {
      logs: ctx.broker.logs,
      purgatory: ctx.broker.purgatory,
      replication: ctx.broker.replication,
    })
    afterSent(ctx, pass.release)
    const response = sessions.respond(context, pass.response)
    const traffic = ctx.broker.stats?.traffic
    if (traffic !== undefined && pass.bytes > 0) countFetched(response, traffic)
    return response
  },
}

export const handler = fetchHandler
export default fetchHandler
