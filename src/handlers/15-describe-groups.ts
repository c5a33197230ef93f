// DescribeGroups (key 15), versions 0-5.
//
// Behaviour: state, protocol type, members (client id and host) of each group. As in Kafka, the
// selected protocol and each member's metadata and assignment are filled in only when the group
// is Stable; an unknown group is described as Dead with no members and no error.
//
// Version notes: v1 throttle time; v3 authorized operations (no ACLs: READ, DELETE, DESCRIBE —
// everything a group supports — or -2^31 when not requested); v4 group_instance_id of members;
// v5 flexible.
import {
  DescribeGroupsRequestSchema,
  DescribeGroupsResponseSchema,
} from '../protocol/messages/describe-groups.js'
import type {
  DescribeGroupsRequest,
  DescribeGroupsResponse,
} from '../protocol/messages/describe-groups.js'
import { NOT_REQUESTED } from '../metadata/acl-operations.js'
import { coordinatorOf } from '../group/service.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

/** AclOperation READ (3), DELETE (6), DESCRIBE (8). */
export const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8)

export function handleDescribeGroups(
  request: DescribeGroupsRequest,
  ctx: RequestContext,
): DescribeGroupsResponse {
  const coordinator = coordinatorOf(ctx.broker)
  return {
    throttleTimeMs: 0,
    groups: request.groups.map((groupId) => ({
      ...coordinator.describeGroup(groupId),
      authorizedOperations: request.includeAuthorizedOperations ? GROUP_OPERATIONS : NOT_REQUESTED,
    })),
  }
}

export const handler: HandlerDef<DescribeGroupsRequest, DescribeGroupsResponse> = {
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  request: DescribeGroupsRequestSchema,
  response: DescribeGroupsResponseSchema,
  handle: handleDescribeGroups,
}

export default handler
