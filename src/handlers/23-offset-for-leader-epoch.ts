// OffsetForLeaderEpoch (key 23), versions 0-4: for a leader epoch, the largest epoch <= it that
// this leader knows and where that epoch ended (the log end offset for the current epoch), from
// the partition's leader-epoch cache. Followers use it to find where their log diverged
// (KIP-101/279); consumers to detect truncation (KIP-320). In cluster mode only the leader
// answers (NOT_LEADER_OR_FOLLOWER elsewhere) and current_leader_epoch (v2+) is checked against
// the partition's epoch; a single node leads everything at epoch 0.
import { ErrorCode, KafkaError, errorCodeOf } from '../protocol/errors.js'
import {
  OffsetForLeaderEpochRequestSchema,
  OffsetForLeaderEpochResponseSchema,
} from '../protocol/messages/offset-for-leader-epoch.js'
import type {
  EpochEndOffsetResult,
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
  OffsetForLeaderPartition,
} from '../protocol/messages/offset-for-leader-epoch.js'
import { checkEpoch } from '../cluster/replication/replica-manager.js'
import type { ReplicaManager } from '../cluster/replication/replica-manager.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'
import type { LogLookup } from './02-list-offsets.js'
import { LEADER_EPOCH } from './02-list-offsets.js'

export function epochEndOffset(
  topic: string,
  p: OffsetForLeaderPartition,
  logs: LogLookup,
  replication?: Pick<ReplicaManager, 'leaderOrThrow'>,
): EpochEndOffsetResult {
  try {
    let log = logs.get(topic, p.partition)
    if (replication !== undefined) {
      log = replication.leaderOrThrow(topic, p.partition, p.currentLeaderEpoch).log
    } else {
      if (log === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION')
      checkEpoch(p.currentLeaderEpoch, LEADER_EPOCH)
    }
    if (log === undefined) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION')
    if (log.offline) throw new KafkaError('KAFKA_STORAGE_ERROR', `${topic}-${p.partition}`)
    const found = log.leaderEpochCache.endOffsetFor(p.leaderEpoch, log.logEndOffset)
    return {
      errorCode: ErrorCode.NONE,
      partition: p.partition,
      leaderEpoch: found.epoch,
      endOffset: found.startOffset,
    }
  } catch (err) {
    return { errorCode: errorCodeOf(err), partition: p.partition, leaderEpoch: -1, endOffset: -1 }
  }
}

export function offsetForLeaderEpoch(
  request: OffsetForLeaderEpochRequest,
  ctx: Pick<RequestContext, 'broker'>,
): OffsetForLeaderEpochResponse {
  const { logs, replication } = ctx.broker
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => epochEndOffset(t.topic, p, logs, replication)),
    })),
  }
}

export const offsetForLeaderEpochHandler: HandlerDef<
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse
> = {
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  minVersion: 0,
  maxVersion: 4,
  request: OffsetForLeaderEpochRequestSchema,
  response: OffsetForLeaderEpochResponseSchema,
  handle: offsetForLeaderEpoch,
}

export const handler = offsetForLeaderEpochHandler
export default offsetForLeaderEpochHandler
