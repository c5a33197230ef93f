// Metadata (key 3), versions 0-9.
//
// Behaviour: one broker (this node, advertised host/port, rack null) which is also the controller
// and the leader of every partition; replicas = isr = [nodeId], leader epoch 0. Requested topics
// that do not exist are created with num.partitions when auto.create.topics.enable is on and the
// request allows it (v4+; always allowed before v4), and returned with their partitions at once
// (Kafka answers LEADER_NOT_AVAILABLE and lets the client retry; we create synchronously).
// A name that is not a valid topic name gets INVALID_TOPIC_EXCEPTION, an unknown one without
// auto-creation UNKNOWN_TOPIC_OR_PARTITION. Internal topics are never auto-created here: the
// group coordinator creates __consumer_offsets with its own partition count.
//
// Version notes: v0 empty topic list = all topics; v1+ null = all topics, empty = none. v1 adds
// rack, controller id, is_internal; v2 cluster id; v3 throttle time; v4 allow_auto_topic_creation;
// v5 offline_replicas; v7 leader_epoch; v8 authorized operations (no ACLs: everything the resource
// type supports, or -2^31 when not requested); v9 flexible. v10+ (topic ids) is not served.
//
// Cluster mode (metadata.store set): brokers are the live registered brokers, the controller id
// comes from etcd, and each partition reports its state from the cluster view: leader (-1 with
// LEADER_NOT_AVAILABLE when offline), leader epoch, replicas, ISR, and as offline replicas the
// assigned brokers that are not live or that reported their replica's log offline. Auto-created
// topics get default.replication.factor.
import { ErrorCode } from '../protocol/errors.js'
import { MetadataRequestSchema, MetadataResponseSchema } from '../protocol/messages/metadata.js'
import type {
  MetadataRequest,
  MetadataResponse,
  MetadataResponsePartition,
  MetadataResponseTopic,
} from '../protocol/messages/metadata.js'
import { isInternalTopic, topicManagerFor } from '../metadata/topic-manager.js'
import { validateTopicName } from '../metadata/topic-store.js'
import type { TopicInfo } from '../metadata/topic-store.js'
import { resultError } from '../metadata/error-message.js'
import { CLUSTER_OPERATIONS, NOT_REQUESTED, TOPIC_OPERATIONS } from '../metadata/acl-operations.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'
import type { ClusterNode } from '../cluster/cluster-node.js'
import { clientBrokers } from '../metadata/broker-endpoints.js'

const LEADER_EPOCH = 0

function clusterPartitionsOf(info: TopicInfo, cluster: ClusterNode): MetadataResponsePartition[] {
  const out: MetadataResponsePartition[] = []
  for (let p = 0; p < info.partitions; p++) {
    const s = cluster.partitionState(info.name, p)
    if (s === undefined) {
      // Created in etcd but this broker has not seen the state yet.
      out.push({
        errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex: p,
        leaderId: -1,
        leaderEpoch: -1,
        replicaNodes: [],
        isrNodes: [],
        offlineReplicas: [],
      })
      continue
    }
    out.push({
      errorCode: s.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p,
      leaderId: s.leader,
      leaderEpoch: s.leaderEpoch,
      replicaNodes: s.replicas,
      isrNodes: s.isr,
      offlineReplicas: s.replicas.filter(
        (b) => cluster.broker(b) === undefined || cluster.view.offline.isOffline(b, info.name, p),
      ),
    })
  }
  return out
}

function partitionsOf(info: TopicInfo, ctx: RequestContext): MetadataResponsePartition[] {
  const nodeId = ctx.broker.nodeId
  if (ctx.broker.cluster !== undefined) return clusterPartitionsOf(info, ctx.broker.cluster)
  const out: MetadataResponsePartition[] = []
  for (let p = 0; p < info.partitions; p++) {
    const log = ctx.broker.logs.get(info.name, p)
    if (log === undefined || log.offline) {
      // The log dir holding this partition failed: no leader until an operator intervenes.
      out.push({
        errorCode:
          ctx.apiVersion >= 5 ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex: p,
        leaderId: -1,
        leaderEpoch: LEADER_EPOCH,
        replicaNodes: [nodeId],
        isrNodes: [],
        offlineReplicas: [nodeId],
      })
      continue
    }
    out.push({
      errorCode: ErrorCode.NONE,
      partitionIndex: p,
      leaderId: nodeId,
      leaderEpoch: LEADER_EPOCH,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })
  }
  return out
}

function topicResult(
  info: TopicInfo,
  ctx: RequestContext,
  request: MetadataRequest,
): MetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: info.name,
    isInternal: isInternalTopic(info.name),
    partitions: partitionsOf(info, ctx),
    topicAuthorizedOperations: request.includeTopicAuthorizedOperations
      ? TOPIC_OPERATIONS
      : NOT_REQUESTED,
  }
}

function topicError(name: string, errorCode: number): MetadataResponseTopic {
  return {
    errorCode,
    name,
    isInternal: isInternalTopic(name),
    partitions: [],
    topicAuthorizedOperations: NOT_REQUESTED,
  }
}

async function missingTopic(
  name: string,
  ctx: RequestContext,
  request: MetadataRequest,
): Promise<MetadataResponseTopic> {
  try {
    validateTopicName(name)
  } catch (err) {
    return topicError(name, resultError(err).errorCode)
  }
  const config = ctx.broker.config
  const allowed = ctx.apiVersion < 4 || request.allowAutoTopicCreation
  if (!allowed || !config.autoCreateTopicsEnable || isInternalTopic(name)) {
    return topicError(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  }
  if (ctx.broker.cluster === undefined && config.defaultReplicationFactor !== 1) {
    return topicError(name, ErrorCode.INVALID_REPLICATION_FACTOR)
  }
  const manager = topicManagerFor(ctx.broker)
  try {
    const info = await manager.create(name, config.numPartitions, {})
    return topicResult(info, ctx, request)
  } catch (err) {
    // Another request created it between our lookup and our turn in the queue.
    const existing = manager.get(name)
    if (existing !== undefined) return topicResult(existing, ctx, request)
    // Cluster mode: another broker created it and our view has not seen it yet. Kafka answers
    // that with the retriable LEADER_NOT_AVAILABLE: TOPIC_ALREADY_EXISTS fails producers.
    const code = resultError(err).errorCode
    return topicError(
      name,
      code === ErrorCode.TOPIC_ALREADY_EXISTS ? ErrorCode.LEADER_NOT_AVAILABLE : code,
    )
  }
}

export async function handleMetadata(
  request: MetadataRequest,
  ctx: RequestContext,
): Promise<MetadataResponse> {
  const b = ctx.broker
  const manager = topicManagerFor(b)
  const all = request.topics === null || (ctx.apiVersion === 0 && request.topics.length === 0)
  const topics: MetadataResponseTopic[] = []
  if (all) {
    for (const info of manager.list()) topics.push(topicResult(info, ctx, request))
  } else {
    const seen = new Set<string>()
    for (const { name } of request.topics ?? []) {
      if (seen.has(name)) continue
      seen.add(name)
      const info = manager.get(name)
      topics.push(
        info === undefined
          ? await missingTopic(name, ctx, request)
          : topicResult(info, ctx, request),
      )
    }
  }
  const cluster = b.cluster
  return {
    throttleTimeMs: 0,
    brokers: clientBrokers(b, ctx.listenerName),
    clusterId: b.clusterId,
    controllerId: cluster === undefined ? b.nodeId : cluster.controllerId(),
    topics,
    clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
      ? CLUSTER_OPERATIONS
      : NOT_REQUESTED,
  }
}

export const metadataHandler: HandlerDef<MetadataRequest, MetadataResponse> = {
  apiKey: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 9,
  request: MetadataRequestSchema,
  response: MetadataResponseSchema,
  handle: handleMetadata,
}

export { metadataHandler as handler }
export default metadataHandler
