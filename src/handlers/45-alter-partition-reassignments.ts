// AlterPartitionReassignments (key 45), version 0.
//
// Behaviour (cluster mode): per partition, a replica list starts (or replaces) a reassignment:
// the partition state in etcd gets replicas = target ++ dropped ones, with adding/removing
// replicas; the controller finishes it once every target replica is in the ISR (see
// src/cluster/reassignment.ts). null replicas cancel: NO_REASSIGNMENT_IN_PROGRESS when none
// runs. Unknown partition: UNKNOWN_TOPIC_OR_PARTITION; empty, duplicate or unregistered brokers:
// INVALID_REPLICA_ASSIGNMENT. The answer comes once the change is stored, not when it finished
// (as in Kafka); timeout_ms is not used.
//
// Single-node mode: nothing can move. Replicas = [this node] is the trivial no-op (NONE); any
// other list is INVALID_REPLICA_ASSIGNMENT; a cancel is NO_REASSIGNMENT_IN_PROGRESS.
//
// Version notes: v0 is flexible.
import { ErrorCode, KafkaError } from '../protocol/errors.js'
import {
  AlterPartitionReassignmentsRequestSchema,
  AlterPartitionReassignmentsResponseSchema,
} from '../protocol/messages/alter-partition-reassignments.js'
import type {
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
  AlterPartitionReassignmentsResponsePartition,
} from '../protocol/messages/alter-partition-reassignments.js'
import { resultError } from '../metadata/error-message.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

async function alterOne(
  topic: string,
  partition: number,
  replicas: number[] | null,
  ctx: RequestContext,
): Promise<void> {
  const b = ctx.broker
  if (b.cluster !== undefined) {
    await b.cluster.reassignments.alter(topic, partition, replicas)
    return
  }
  const info = b.topics.get(topic)
  if (info === undefined || partition < 0 || partition >= info.partitions)
    throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}-${partition} does not exist`)
  if (replicas === null)
    throw new KafkaError('NO_REASSIGNMENT_IN_PROGRESS', `${topic}-${partition}: nothing to cancel`)
  if (replicas.length !== 1 || replicas[0] !== b.nodeId)
    throw new KafkaError(
      'INVALID_REPLICA_ASSIGNMENT',
      `single-node broker: replicas must be [${b.nodeId}], got [${replicas.join(', ')}]`,
    )
}

export async function handleAlterPartitionReassignments(
  request: AlterPartitionReassignmentsRequest,
  ctx: RequestContext,
): Promise<AlterPartitionReassignmentsResponse> {
  const responses = []
  for (const t of request.topics) {
    const partitions: AlterPartitionReassignmentsResponsePartition[] = []
    for (const p of t.partitions) {
      try {
        await alterOne(t.name, p.partitionIndex, p.replicas, ctx)
        partitions.push({
          partitionIndex: p.partitionIndex,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
        })
      } catch (err) {
        partitions.push({ partitionIndex: p.partitionIndex, ...resultError(err) })
      }
    }
    responses.push({ name: t.name, partitions })
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses }
}

export const alterPartitionReassignmentsHandler: HandlerDef<
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse
> = {
  apiKey: 45,
  name: 'AlterPartitionReassignments',
  minVersion: 0,
  maxVersion: 0,
  request: AlterPartitionReassignmentsRequestSchema,
  response: AlterPartitionReassignmentsResponseSchema,
  handle: handleAlterPartitionReassignments,
}

export { alterPartitionReassignmentsHandler as handler }
export default alterPartitionReassignmentsHandler
