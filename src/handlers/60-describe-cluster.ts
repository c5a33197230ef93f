// DescribeCluster (key 60), versions 0-1.
//
// Behaviour: the cluster is this node: cluster id, controller id = this node id, brokers = this
// node with its advertised host/port (rack null). Authorized operations (no ACLs) are everything
// the cluster resource supports when requested, else -2^31. An endpoint_type other than 1
// (brokers) gets MISMATCHED_ENDPOINT_TYPE: this is a broker endpoint, not a controller one.
//
// Cluster mode: the live registered brokers (with racks) and the controller elected in etcd.
//
// Version notes: v0 flexible already; v1 adds endpoint_type (request and response).
import { ErrorCode } from '../protocol/errors.js'
import {
  DescribeClusterRequestSchema,
  DescribeClusterResponseSchema,
} from '../protocol/messages/describe-cluster.js'
import type {
  DescribeClusterRequest,
  DescribeClusterResponse,
} from '../protocol/messages/describe-cluster.js'
import { CLUSTER_OPERATIONS, NOT_REQUESTED } from '../metadata/acl-operations.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'
import { clientBrokers } from '../metadata/broker-endpoints.js'

export const ENDPOINT_TYPE_BROKERS = 1

export function handleDescribeCluster(
  request: DescribeClusterRequest,
  ctx: RequestContext,
): DescribeClusterResponse {
  const b = ctx.broker
  if (request.endpointType !== ENDPOINT_TYPE_BROKERS) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE,
      errorMessage: `this is a broker endpoint; endpoint type ${request.endpointType} was requested`,
      endpointType: ENDPOINT_TYPE_BROKERS,
      clusterId: b.clusterId,
      controllerId: -1,
      brokers: [],
      clusterAuthorizedOperations: NOT_REQUESTED,
    }
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    endpointType: ENDPOINT_TYPE_BROKERS,
    clusterId: b.clusterId,
    controllerId: b.cluster === undefined ? b.nodeId : b.cluster.controllerId(),
    brokers: clientBrokers(b, ctx.listenerName).map(({ nodeId, ...rest }) => ({
      brokerId: nodeId,
      ...rest,
    })),
    clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
      ? CLUSTER_OPERATIONS
      : NOT_REQUESTED,
  }
}

export const describeClusterHandler: HandlerDef<DescribeClusterRequest, DescribeClusterResponse> = {
  apiKey: 60,
  name: 'DescribeCluster',
  minVersion: 0,
  maxVersion: 1,
  request: DescribeClusterRequestSchema,
  response: DescribeClusterResponseSchema,
  handle: handleDescribeCluster,
}

export { describeClusterHandler as handler }
export default describeClusterHandler
