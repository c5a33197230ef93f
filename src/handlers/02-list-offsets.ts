// ListOffsets (key 2), versions 0-7: offsets by time, the earliest and latest offset, and (v7)
// the offset of the largest timestamp. No transactions: the last stable offset is the high
// watermark. Single node, the leader epoch is always 0; in cluster mode only the leader answers,
// fenced by the client's current leader epoch, and offsets carry the epoch that wrote them.
import { ErrorCode, KafkaError, errorCodeOf } from '../protocol/errors.js'
import {
  ListOffsetsRequestSchema,
  ListOffsetsResponseSchema,
} from '../protocol/messages/list-offsets.js'
import type {
  ListOffsetsRequest,
  ListOffsetsRequestPartition,
  ListOffsetsResponse,
  ListOffsetsResponsePartition,
} from '../protocol/messages/list-offsets.js'
import type { PartitionLog } from '../log/partition-log.js'
import type { ReplicaManager } from '../cluster/replication/replica-manager.js'
import type { HandlerDef } from '../server/handler.js'

export const LATEST_TIMESTAMP = -1
export const EARLIEST_TIMESTAMP = -2
export const MAX_TIMESTAMP = -3
/** Leader epoch of every partition of a single node (cluster mode answers the leader's epochs). */
export const LEADER_EPOCH = 0

export interface LogLookup {
  get(topic: string, partition: number): PartitionLog | undefined
}

/** KIP-320 fencing of a client's idea of the leader epoch; -1 means "not checked". */
export function checkLeaderEpoch(current: number): void {
  if (current < 0 || current === LEADER_EPOCH) return
  if (current > LEADER_EPOCH) throw new KafkaError('UNKNOWN_LEADER_EPOCH', `epoch ${current}`)
  throw new KafkaError('FENCED_LEADER_EPOCH', `epoch ${current}`)
}

/** What ListOffsets needs from replication in cluster mode. */
export type ListOffsetsReplication = Pick<ReplicaManager, 'leaderOrThrow'>

/** The epoch whose leader wrote `offset` (the last cache entry starting at or before it). */
export function epochAt(log: PartitionLog, offset: number): number {
  let epoch = -1
  for (const e of log.leaderEpochCache.entries()) {
    if (e.startOffset > offset) break
    epoch = e.epoch
  }
  return epoch
}

function found(
  index: number,
  version: number,
  offset: number,
  timestamp: number,
  maxNumOffsets: number,
  leaderEpoch: number,
): ListOffsetsResponsePartition {
  return {
    partitionIndex: index,
    errorCode: ErrorCode.NONE,
    oldStyleOffsets: version === 0 && offset >= 0 && maxNumOffsets > 0 ? [offset] : [],
    timestamp,
    offset,
    leaderEpoch: offset >= 0 ? leaderEpoch : -1,
  }
}

function lookup(
  log: PartitionLog,
  p: ListOffsetsRequestPartition,
  version: number,
): { offset: number; timestamp: number } {
  if (log.offline) throw new KafkaError('KAFKA_STORAGE_ERROR', `${log.topic}-${log.partition}`)
  const hw = log.highWatermark
  switch (p.timestamp) {
    case LATEST_TIMESTAMP:
      return { offset: hw, timestamp: -1 }
    case EARLIEST_TIMESTAMP:
      return { offset: log.logStartOffset, timestamp: -1 }
    case MAX_TIMESTAMP: {
      if (version < 7) throw new KafkaError('UNSUPPORTED_VERSION', 'max timestamp needs v7')
      const max = log.maxTimestampOffset()
      return max === null || max.offset >= hw ? { offset: -1, timestamp: -1 } : max
    }
  }
  if (p.timestamp < 0) throw new KafkaError('UNSUPPORTED_VERSION', `timestamp ${p.timestamp}`)
  const hit = log.offsetForTimestamp(p.timestamp)
  return hit === null || hit.offset >= hw ? { offset: -1, timestamp: -1 } : hit
}

export function listOffsets(
  request: ListOffsetsRequest,
  version: number,
  logs: LogLookup,
  replication?: ListOffsetsReplication,
): ListOffsetsResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p): ListOffsetsResponsePartition => {
        try {
          let log = logs.get(t.name, p.partitionIndex)
          if (log === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION')
          if (replication === undefined) checkLeaderEpoch(p.currentLeaderEpoch)
          else log = replication.leaderOrThrow(t.name, p.partitionIndex, p.currentLeaderEpoch).log
          const r = lookup(log, p, version)
          const epoch =
            replication === undefined
              ? LEADER_EPOCH
              : p.timestamp === LATEST_TIMESTAMP
                ? log.leaderEpochCache.latestEpoch
                : epochAt(log, r.offset)
          return found(p.partitionIndex, version, r.offset, r.timestamp, p.maxNumOffsets, epoch)
        } catch (err) {
          return {
            partitionIndex: p.partitionIndex,
            errorCode: errorCodeOf(err),
            oldStyleOffsets: [],
            timestamp: -1,
            offset: -1,
            leaderEpoch: -1,
          }
        }
      }),
    })),
  }
}

export const listOffsetsHandler: HandlerDef<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: 2,
  name: 'ListOffsets',
  minVersion: 0,
  maxVersion: 7,
  request: ListOffsetsRequestSchema,
  response: ListOffsetsResponseSchema,
  handle(request, ctx) {
    return listOffsets(request, ctx.apiVersion, ctx.broker.logs, ctx.broker.replication)
  },
}

export const handler = listOffsetsHandler
export default listOffsetsHandler
