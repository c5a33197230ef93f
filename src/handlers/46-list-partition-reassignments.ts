// ListPartitionReassignments (key 46), version 0.
//
// Behaviour: the ongoing reassignments (replicas, adding and removing replicas) of the listed
// partitions, or of all partitions when topics is null; partitions without one are left out, as
// in Kafka. Single-node mode: none ever runs, so the list is empty. timeout_ms is not used.
//
// Version notes: v0 is flexible.
import { ErrorCode } from '../protocol/errors.js'
import {
  ListPartitionReassignmentsRequestSchema,
  ListPartitionReassignmentsResponseSchema,
} from '../protocol/messages/list-partition-reassignments.js'
import type {
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
  OngoingTopicReassignment,
} from '../protocol/messages/list-partition-reassignments.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

export function handleListPartitionReassignments(
  request: ListPartitionReassignmentsRequest,
  ctx: RequestContext,
): ListPartitionReassignmentsResponse {
  const cluster = ctx.broker.cluster
  const topics: OngoingTopicReassignment[] = []
  if (cluster !== undefined) {
    const filter =
      request.topics === null
        ? null
        : request.topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes }))
    for (const r of cluster.reassignments.list(filter)) {
      let t = topics.find((x) => x.name === r.topic)
      if (t === undefined) {
        t = { name: r.topic, partitions: [] }
        topics.push(t)
      }
      t.partitions.push({
        partitionIndex: r.partition,
        replicas: r.replicas,
        addingReplicas: r.addingReplicas,
        removingReplicas: r.removingReplicas,
      })
    }
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics }
}

export const listPartitionReassignmentsHandler: HandlerDef<
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse
> = {
  apiKey: 46,
  name: 'ListPartitionReassignments',
  minVersion: 0,
  maxVersion: 0,
  request: ListPartitionReassignmentsRequestSchema,
  response: ListPartitionReassignmentsResponseSchema,
  handle: handleListPartitionReassignments,
}

export { listPartitionReassignmentsHandler as handler }
export default listPartitionReassignmentsHandler
