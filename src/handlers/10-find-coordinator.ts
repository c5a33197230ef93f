// FindCoordinator (key 10), versions 0-4.
//
// Behaviour: this single node coordinates every group, so a group key (key_type 0) is answered
// with this broker's advertised address. There is no transaction coordinator yet: key_type 1
// answers COORDINATOR_NOT_AVAILABLE (retriable; a transactional producer keeps asking). Any other
// key type is INVALID_REQUEST, and an empty group id INVALID_GROUP_ID.
//
// Cluster mode: a group's coordinator is the leader of its __consumer_offsets partition
// (COORDINATOR_NOT_AVAILABLE while that partition has no live leader). The first group lookup
// creates __consumer_offsets (RF = min(offsets.topic.replication.factor, live brokers)) rather
// than at start-up, so a cluster started one broker at a time gets its full RF as long as the
// first group lookup comes once the brokers are up.
//
// Version notes: v0 key only (group); v1 adds key_type, throttle time and error message; v3
// flexible; v4 (KIP-699) batches keys in coordinator_keys and answers one entry per key. v0 stays
// advertised: librdkafka < 2.11.1 needs FindCoordinator ∋0 for its consumer and LZ4 support.
import { ErrorCode, errorName } from '../protocol/errors.js'
import {
  FindCoordinatorRequestSchema,
  FindCoordinatorResponseSchema,
} from '../protocol/messages/find-coordinator.js'
import type {
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  FindCoordinatorResponseCoordinator,
} from '../protocol/messages/find-coordinator.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'
import { OFFSETS_TOPIC, partitionForGroup } from '../group/records.js'
import type { ClusterNode } from '../cluster/cluster-node.js'
import type { LogFn } from '../log-fn.js'
import { endpointFor } from '../metadata/broker-endpoints.js'

const GROUP = 0
const TRANSACTION = 1

const creating = new WeakSet<ClusterNode>()

/** Starts creating __consumer_offsets once per broker; the client retries meanwhile. */
function ensureOffsetsTopic(cluster: ClusterNode, partitions: number, log: LogFn): void {
  if (creating.has(cluster)) return
  creating.add(cluster)
  cluster
    .ensureOffsetsTopic(partitions, { 'cleanup.policy': 'compact', 'segment.bytes': '104857600' })
    .catch((err: unknown) => log('warn', `could not create ${OFFSETS_TOPIC}`, { error: err }))
    .finally(() => creating.delete(cluster))
}

export function coordinatorFor(
  key: string,
  keyType: number,
  ctx: RequestContext,
): FindCoordinatorResponseCoordinator {
  const b = ctx.broker
  let errorCode: number = ErrorCode.NONE
  if (keyType === TRANSACTION) errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE
  else if (keyType !== GROUP) errorCode = ErrorCode.INVALID_REQUEST
  else if (key === '') errorCode = ErrorCode.INVALID_GROUP_ID
  if (errorCode !== ErrorCode.NONE) {
    return { key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: errorName(errorCode) }
  }
  if (b.cluster !== undefined) {
    const topic = b.cluster.view.topic(OFFSETS_TOPIC)
    if (topic === undefined)
      ensureOffsetsTopic(b.cluster, b.config.offsetsTopicNumPartitions, b.log)
    const state =
      topic === undefined
        ? undefined
        : b.cluster.partitionState(OFFSETS_TOPIC, partitionForGroup(key, topic.partitions))
    const leader = state === undefined ? undefined : b.cluster.broker(state.leader)
    if (leader === undefined) {
      const code = ErrorCode.COORDINATOR_NOT_AVAILABLE
      return { key, nodeId: -1, host: '', port: -1, errorCode: code, errorMessage: errorName(code) }
    }
    return {
      key,
      nodeId: leader.nodeId,
      ...endpointFor(leader, ctx.listenerName),
      errorCode,
      errorMessage: null,
    }
  }
  return {
    key,
    nodeId: b.nodeId,
    ...endpointFor(b.advertised, ctx.listenerName),
    errorCode,
    errorMessage: null,
  }
}

export function handleFindCoordinator(
  request: FindCoordinatorRequest,
  ctx: RequestContext,
): FindCoordinatorResponse {
  if (ctx.apiVersion >= 4) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: -1,
      host: '',
      port: -1,
      coordinators: request.coordinatorKeys.map((k) => coordinatorFor(k, request.keyType, ctx)),
    }
  }
  const c = coordinatorFor(request.key, request.keyType, ctx)
  return {
    throttleTimeMs: 0,
    errorCode: c.errorCode,
    errorMessage: c.errorMessage,
    nodeId: c.nodeId,
    host: c.host,
    port: c.port,
    coordinators: [],
  }
}

export const handler: HandlerDef<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 4,
  request: FindCoordinatorRequestSchema,
  response: FindCoordinatorResponseSchema,
  handle: handleFindCoordinator,
}

export default handler
