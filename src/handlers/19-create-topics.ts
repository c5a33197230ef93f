// CreateTopics (key 19), versions 0-7.
//
// Behaviour: each topic is validated and created on its own (one bad topic does not fail the
// others). num_partitions -1 means num.partitions; replication_factor -1 means
// default.replication.factor; any factor other than 1 is INVALID_REPLICATION_FACTOR (one node).
// A manual assignment (then both counts must be -1) must number partitions 0..n-1 and place each
// on exactly this node, else INVALID_REPLICA_ASSIGNMENT. Configs go through the topic config
// parser: unknown names, bad values and null values are INVALID_CONFIG with a message. A name
// listed twice in one request gets one INVALID_REQUEST result. validate_only checks everything
// and creates nothing. timeout_ms is not used: creation completes before the response.
//
// Cluster mode (metadata.store set): the replication factor and manual assignments are placed on
// the live brokers by the cluster topic store (INVALID_REPLICATION_FACTOR above the live count).
//
// Version notes: v1 adds validate_only and error_message; v2 throttle time; v4 lets -1 counts stand
// without assignments (accepted in every version here); v5 flexible, returns num_partitions,
// replication_factor and the topic's configs; v7 returns the topic id.
import { ErrorCode, KafkaError } from '../protocol/errors.js'
import {
  CreateTopicsRequestSchema,
  CreateTopicsResponseSchema,
} from '../protocol/messages/create-topics.js'
import type {
  CreatableTopic,
  CreatableTopicResult,
  CreateTopicsRequest,
  CreateTopicsResponse,
} from '../protocol/messages/create-topics.js'
import { ZERO_TOPIC_ID, topicManagerFor } from '../metadata/topic-manager.js'
import { describeTopicConfigs } from '../metadata/config-describer.js'
import { validateTopicName } from '../metadata/topic-store.js'
import { resultError } from '../metadata/error-message.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

/** Partition count from the request, after the -1 and assignment rules. */
function partitionCount(topic: CreatableTopic, ctx: RequestContext): number {
  const nodeId = ctx.broker.nodeId
  if (topic.assignments.length > 0) {
    if (topic.numPartitions !== -1 || topic.replicationFactor !== -1) {
      throw new KafkaError(
        'INVALID_REQUEST',
        'both num_partitions or replication_factor and a manual assignment were set',
      )
    }
    const seen = new Set<number>()
    for (const a of topic.assignments) {
      if (
        a.partitionIndex < 0 ||
        a.partitionIndex >= topic.assignments.length ||
        seen.has(a.partitionIndex)
      ) {
        throw new KafkaError(
          'INVALID_REPLICA_ASSIGNMENT',
          `partitions must be numbered 0..${topic.assignments.length - 1} once each`,
        )
      }
      seen.add(a.partitionIndex)
      if (ctx.broker.cluster !== undefined) continue
      if (a.brokerIds.length !== 1 || a.brokerIds[0] !== nodeId) {
        throw new KafkaError(
          'INVALID_REPLICA_ASSIGNMENT',
          `partition ${a.partitionIndex} must be placed on broker ${nodeId} alone (one-node cluster), got [${a.brokerIds.join(', ')}]`,
        )
      }
    }
    return topic.assignments.length
  }
  const rf =
    topic.replicationFactor === -1
      ? ctx.broker.config.defaultReplicationFactor
      : topic.replicationFactor
  if (rf < 1) {
    throw new KafkaError(
      'INVALID_REPLICATION_FACTOR',
      'replication factor must be larger than 0, or -1 to use the default value',
    )
  }
  if (rf !== 1 && ctx.broker.cluster === undefined) {
    throw new KafkaError(
      'INVALID_REPLICATION_FACTOR',
      `replication factor ${rf} cannot be reached: only 1 broker is registered`,
    )
  }
  if (topic.numPartitions === -1) return ctx.broker.config.numPartitions
  if (topic.numPartitions < 1) {
    throw new KafkaError(
      'INVALID_PARTITIONS',
      `number of partitions was set to an invalid non-positive value ${topic.numPartitions}`,
    )
  }
  return topic.numPartitions
}

function failed(name: string, err: unknown): CreatableTopicResult {
  return {
    name,
    topicId: ZERO_TOPIC_ID,
    ...resultError(err),
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: -1,
    replicationFactor: -1,
    configs: [],
  }
}

async function createOne(
  topic: CreatableTopic,
  request: CreateTopicsRequest,
  ctx: RequestContext,
): Promise<CreatableTopicResult> {
  try {
    // The name is checked first so a bad name is reported as such whatever else is wrong.
    validateTopicName(topic.name)
    const partitions = partitionCount(topic, ctx)
    const configs: Record<string, string | null> = {}
    for (const c of topic.configs) configs[c.name] = c.value
    const cluster = ctx.broker.cluster !== undefined
    const assignments =
      cluster && topic.assignments.length > 0
        ? [...topic.assignments]
            .sort((x, y) => x.partitionIndex - y.partitionIndex)
            .map((a) => a.brokerIds)
        : undefined
    const replicationFactor =
      assignments !== undefined
        ? (assignments[0]?.length ?? 1)
        : topic.replicationFactor === -1
          ? ctx.broker.config.defaultReplicationFactor
          : topic.replicationFactor
    const info = await topicManagerFor(ctx.broker).create(topic.name, partitions, configs, {
      validateOnly: request.validateOnly,
      ...(cluster ? { replicationFactor, assignments } : {}),
    })
    return {
      name: topic.name,
      topicId: info.topicId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topicConfigErrorCode: ErrorCode.NONE,
      numPartitions: info.partitions,
      replicationFactor: cluster ? replicationFactor : 1,
      configs: describeTopicConfigs(info.configs, ctx.broker.config).map((e) => ({
        name: e.name,
        value: e.value,
        readOnly: e.readOnly,
        configSource: e.source,
        isSensitive: e.isSensitive,
      })),
    }
  } catch (err) {
    return failed(topic.name, err)
  }
}

export async function handleCreateTopics(
  request: CreateTopicsRequest,
  ctx: RequestContext,
): Promise<CreateTopicsResponse> {
  const counts = new Map<string, number>()
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1)
  const topics: CreatableTopicResult[] = []
  const reported = new Set<string>()
  for (const t of request.topics) {
    if ((counts.get(t.name) ?? 0) > 1) {
      // Kafka's response is keyed by name: one INVALID_REQUEST entry per duplicated name.
      if (!reported.has(t.name)) {
        reported.add(t.name)
        const err = new KafkaError('INVALID_REQUEST', `topic '${t.name}' is listed more than once`)
        topics.push(failed(t.name, err))
      }
      continue
    }
    topics.push(await createOne(t, request, ctx))
  }
  return { throttleTimeMs: 0, topics }
}

export const createTopicsHandler: HandlerDef<CreateTopicsRequest, CreateTopicsResponse> = {
  apiKey: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 7,
  request: CreateTopicsRequestSchema,
  response: CreateTopicsResponseSchema,
  handle: handleCreateTopics,
}

export { createTopicsHandler as handler }
export default createTopicsHandler
