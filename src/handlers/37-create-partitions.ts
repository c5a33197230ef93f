// CreatePartitions (key 37), versions 0-3.
//
// Behaviour: grows a topic to `count` partitions; the new partitions get the topic's config
// overrides. Shrinking or keeping the count is INVALID_PARTITIONS (with the current count in the
// message). A manual assignment must list exactly count - current entries, else
// INVALID_REPLICA_ASSIGNMENT; on a single node each must place the partition on this node alone;
// in cluster mode each must name distinct registered brokers, as many as the topic's partitions
// have replicas, and the new partitions are placed there (without one, they are placed on the
// live brokers with partition 0's replication factor). Unknown topic:
// UNKNOWN_TOPIC_OR_PARTITION; a topic listed twice: INVALID_REQUEST. validate_only checks and
// changes nothing. timeout_ms is not used.
//
// Version notes: v1 is v0; v2 flexible; v3 is v2 (may throttle in Kafka; never here).
import { ErrorCode, KafkaError } from '../protocol/errors.js'
import {
  CreatePartitionsRequestSchema,
  CreatePartitionsResponseSchema,
} from '../protocol/messages/create-partitions.js'
import type {
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  CreatePartitionsTopic,
  CreatePartitionsTopicResult,
} from '../protocol/messages/create-partitions.js'
import { topicManagerFor } from '../metadata/topic-manager.js'
import { resultError } from '../metadata/error-message.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

/** Single node: every new partition must live here alone (the manager checks the count). */
function checkLocalAssignments(topic: CreatePartitionsTopic, nodeId: number): void {
  for (const a of topic.assignments ?? []) {
    if (a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId) {
      throw new KafkaError(
        'INVALID_REPLICA_ASSIGNMENT',
        `new partitions must be placed on broker ${nodeId} alone (one-node cluster), got [${a.brokerIds.join(', ')}]`,
      )
    }
  }
}

async function growOne(
  topic: CreatePartitionsTopic,
  validateOnly: boolean,
  ctx: RequestContext,
): Promise<CreatePartitionsTopicResult> {
  try {
    const manager = topicManagerFor(ctx.broker)
    const info = manager.get(topic.name)
    if (info === undefined) {
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${topic.name}' does not exist`)
    }
    // A shrink is the manager's INVALID_PARTITIONS, whatever the assignments say. Cluster mode:
    // the cluster store checks the assignments against the registered brokers.
    if (topic.count > info.partitions && ctx.broker.cluster === undefined)
      checkLocalAssignments(topic, ctx.broker.nodeId)
    const assignments = topic.assignments?.map((a) => a.brokerIds)
    await manager.addPartitions(topic.name, topic.count, { validateOnly, assignments })
    return { name: topic.name, errorCode: ErrorCode.NONE, errorMessage: null }
  } catch (err) {
    return { name: topic.name, ...resultError(err) }
  }
}

export async function handleCreatePartitions(
  request: CreatePartitionsRequest,
  ctx: RequestContext,
): Promise<CreatePartitionsResponse> {
  const counts = new Map<string, number>()
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)
  const results: CreatePartitionsTopicResult[] = []
  const done = new Set<string>()
  for (const t of request.topics) {
    if (done.has(t.name)) continue
    done.add(t.name)
    if ((counts.get(t.name) ?? 0) > 1) {
      const err = new KafkaError('INVALID_REQUEST', `topic '${t.name}' is listed more than once`)
      results.push({ name: t.name, ...resultError(err) })
      continue
    }
    results.push(await growOne(t, request.validateOnly, ctx))
  }
  return { throttleTimeMs: 0, results }
}

export const createPartitionsHandler: HandlerDef<
  CreatePartitionsRequest,
  CreatePartitionsResponse
> = {
  apiKey: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  request: CreatePartitionsRequestSchema,
  response: CreatePartitionsResponseSchema,
  handle: handleCreatePartitions,
}

export { createPartitionsHandler as handler }
export default createPartitionsHandler
