// DeleteGroups (key 42), versions 0-2.
//
// Behaviour: deletes empty groups: tombstones for every committed offset and the group metadata
// are appended to __consumer_offsets before the answer. A group with members is NON_EMPTY_GROUP,
// an unknown one GROUP_ID_NOT_FOUND.
//
// Version notes: v1 same as v0; v2 flexible.
import {
  DeleteGroupsRequestSchema,
  DeleteGroupsResponseSchema,
} from '../protocol/messages/delete-groups.js'
import type {
  DeleteGroupsRequest,
  DeleteGroupsResponse,
} from '../protocol/messages/delete-groups.js'
import { coordinatorOf } from '../group/service.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

export async function handleDeleteGroups(
  request: DeleteGroupsRequest,
  ctx: RequestContext,
): Promise<DeleteGroupsResponse> {
  const results = await coordinatorOf(ctx.broker).deleteGroups(request.groupsNames)
  return { throttleTimeMs: 0, results }
}

export const handler: HandlerDef<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  request: DeleteGroupsRequestSchema,
  response: DeleteGroupsResponseSchema,
  handle: handleDeleteGroups,
}

export default handler
