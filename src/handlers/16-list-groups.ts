// ListGroups (key 16), versions 0-4.
//
// Behaviour: every group this coordinator knows (groups made only by simple offset commits have
// an empty protocol type), except Dead ones.
//
// Version notes: v1 throttle time; v3 flexible; v4 (KIP-518) states_filter (case-insensitive,
// empty = all) and each group's state in the answer.
import {
  ListGroupsRequestSchema,
  ListGroupsResponseSchema,
} from '../protocol/messages/list-groups.js'
import type { ListGroupsRequest, ListGroupsResponse } from '../protocol/messages/list-groups.js'
import { coordinatorOf } from '../group/service.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

export function handleListGroups(
  request: ListGroupsRequest,
  ctx: RequestContext,
): ListGroupsResponse {
  const groups = coordinatorOf(ctx.broker).listGroups(
    ctx.apiVersion >= 4 ? request.statesFilter : [],
  )
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    groups: groups.map((g) => ({
      groupId: g.groupId,
      protocolType: g.protocolType,
      groupState: g.state,
    })),
  }
}

export const handler: HandlerDef<ListGroupsRequest, ListGroupsResponse> = {
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 4,
  request: ListGroupsRequestSchema,
  response: ListGroupsResponseSchema,
  handle: handleListGroups,
}

export default handler
