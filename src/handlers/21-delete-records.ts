// DeleteRecords (key 21), versions 0-2.
//
// Behaviour: moves each partition's log start offset up to the requested offset (whole segments
// below it are removed by the log; reads below it fail with OFFSET_OUT_OF_RANGE). Offset -1 means
// the high watermark. An offset above the high watermark, or negative other than -1, is
// OFFSET_OUT_OF_RANGE; an offset below the current log start offset changes nothing. The response
// carries the resulting low watermark (log start offset), -1 on error. Unknown topic or partition
// is UNKNOWN_TOPIC_OR_PARTITION; an offline log gives KAFKA_STORAGE_ERROR. timeout_ms is not used.
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
import type { PartitionLog } from '../log/partition-log.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

export const HIGH_WATERMARK = -1

export interface RecordsDeleter {
  get(topic: string, partition: number): PartitionLog | undefined
}

export function deleteRecordsFrom(
  logs: RecordsDeleter,
  topic: string,
  p: DeleteRecordsPartition,
): DeleteRecordsPartitionResult {
  try {
    const log = logs.get(topic, p.partitionIndex)
    if (log === undefined) {
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}-${p.partitionIndex}`)
    }
    if (log.offline) throw new KafkaError('KAFKA_STORAGE_ERROR', `${topic}-${p.partitionIndex}`)
    const hw = log.highWatermark
    const target = p.offset === HIGH_WATERMARK ? hw : p.offset
    if (target < 0 || target > hw) {
      throw new KafkaError('OFFSET_OUT_OF_RANGE', `offset ${p.offset} is outside [0, ${hw}]`)
    }
    const low = target <= log.logStartOffset ? log.logStartOffset : log.deleteRecordsBefore(target)
    return { partitionIndex: p.partitionIndex, lowWatermark: low, errorCode: ErrorCode.NONE }
  } catch (err) {
    return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: errorCodeOf(err) }
  }
}

export function handleDeleteRecords(
  request: DeleteRecordsRequest,
  ctx: RequestContext,
): DeleteRecordsResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => deleteRecordsFrom(ctx.broker.logs, t.name, p)),
    })),
  }
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
