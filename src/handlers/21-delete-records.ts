// DeleteRecords (key 21), versions 0-2.
//
// Behaviour: moves each partition's log start offset up to the requested offset (whole segments
// below it are removed by the log; reads below it fail with OFFSET_OUT_OF_RANGE). Offset -1 means
// the high watermark. An offset above the high watermark, or negative other than -1, is
// OFFSET_OUT_OF_RANGE; an offset below the current log start offset changes nothing. The response
// carries the resulting low watermark (log start offset), -1 on error. Unknown topic or partition
// is UNKNOWN_TOPIC_OR_PARTITION; an offline log gives KAFKA_STORAGE_ERROR. Single node: done
// before the response, timeout_ms is not used. Cluster mode (Kafka's behaviour): only the leader
// accepts (NOT_LEADER_OR_FOLLOWER elsewhere); followers follow its log start through their
// fetches, and the answer waits until every replica on a live broker reports a log start at or
// past the offset (that is the low watermark), REQUEST_TIMED_OUT after timeout_ms.
//
// Version notes: v1 is v0; v2 flexible.
import { ErrorCode, KafkaError, errorCodeOf } from '../protocol/errors.js'
import {
  DeleteRecordsRequestSchema,
  DeleteRecordsResponseSchema,
} from '../protocol/messages/delete-records.js'
import type {
  DeleteRecordsPartition,
  DeleteRecordsPartitionResult,
  DeleteRecordsRequest,
  DeleteRecordsResponse,
} from '../protocol/messages/delete-records.js'
import type { ReplicaManager } from '../cluster/replication/replica-manager.js'
import type { PartitionLog } from '../log/partition-log.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

export const HIGH_WATERMARK = -1

export interface RecordsDeleter {
  get(topic: string, partition: number): PartitionLog | undefined
}

/** What DeleteRecords needs from replication in cluster mode. */
export type DeleteRecordsReplication = Pick<ReplicaManager, 'leaderOrThrow' | 'deleteRecords'>

/** The offset to delete before: -1 is the high watermark; outside [0, HW] is refused. */
function targetOffset(log: PartitionLog, p: DeleteRecordsPartition): number {
  if (log.offline) throw new KafkaError('KAFKA_STORAGE_ERROR', `${log.topic}-${log.partition}`)
  const hw = log.highWatermark
  const target = p.offset === HIGH_WATERMARK ? hw : p.offset
  if (target < 0 || target > hw) {
    throw new KafkaError('OFFSET_OUT_OF_RANGE', `offset ${p.offset} is outside [0, ${hw}]`)
  }
  return target
}

export async function deleteRecordsFrom(
  logs: RecordsDeleter,
  topic: string,
  p: DeleteRecordsPartition,
  timeoutMs: number,
  replication?: DeleteRecordsReplication,
): Promise<DeleteRecordsPartitionResult> {
  try {
    let low: number
    if (replication === undefined) {
      const log = logs.get(topic, p.partitionIndex)
      if (log === undefined) {
        throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}-${p.partitionIndex}`)
      }
      const target = targetOffset(log, p)
      low = target <= log.logStartOffset ? log.logStartOffset : log.deleteRecordsBefore(target)
    } else {
      const log = replication.leaderOrThrow(topic, p.partitionIndex).log
      low = await replication.deleteRecords(
        topic,
        p.partitionIndex,
        targetOffset(log, p),
        timeoutMs,
      )
    }
    return { partitionIndex: p.partitionIndex, lowWatermark: low, errorCode: ErrorCode.NONE }
  } catch (err) {
    return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: errorCodeOf(err) }
  }
}

export async function handleDeleteRecords(
  request: DeleteRecordsRequest,
  ctx: RequestContext,
): Promise<DeleteRecordsResponse> {
  const { logs, replication, cluster } = ctx.broker
  const known = (topic: string, partition: number): boolean =>
    cluster === undefined || cluster.partitionState(topic, partition) !== undefined
  // Partitions wait for their followers side by side, not one after the other.
  const topics = await Promise.all(
    request.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(
        t.partitions.map((p) =>
          known(t.name, p.partitionIndex)
            ? deleteRecordsFrom(logs, t.name, p, request.timeoutMs, replication)
            : {
                partitionIndex: p.partitionIndex,
                lowWatermark: -1,
                errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              },
        ),
      ),
    })),
  )
  return { throttleTimeMs: 0, topics }
}

export const deleteRecordsHandler: HandlerDef<DeleteRecordsRequest, DeleteRecordsResponse> = {
  apiKey: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  request: DeleteRecordsRequestSchema,
  response: DeleteRecordsResponseSchema,
  handle: handleDeleteRecords,
}

export { deleteRecordsHandler as handler }
export default deleteRecordsHandler
