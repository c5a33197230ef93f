// SyncGroup (key 14), versions 0-5.
//
// Behaviour: a thin adapter over GroupCoordinator.syncGroup. Followers wait until the leader's
// SyncGroup brings the assignments (stored in __consumer_offsets before anyone is answered); in
// a stable group the member's current assignment comes back at once. Errors: UNKNOWN_MEMBER_ID,
// ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID (v3+ static members),
// INCONSISTENT_GROUP_PROTOCOL (v5 protocol type/name differ from the group's).
//
// Version notes: v1 throttle time; v3 group_instance_id; v4 flexible; v5 protocol type and name
// in request and response.
import { SyncGroupRequestSchema, SyncGroupResponseSchema } from '../protocol/messages/sync-group.js'
import type { SyncGroupRequest, SyncGroupResponse } from '../protocol/messages/sync-group.js'
import { coordinatorOf } from '../group/service.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

export async function handleSyncGroup(
  request: SyncGroupRequest,
  ctx: RequestContext,
): Promise<SyncGroupResponse> {
  const result = await coordinatorOf(ctx.broker).syncGroup(request)
  return { throttleTimeMs: 0, ...result }
}

export const handler: HandlerDef<SyncGroupRequest, SyncGroupResponse> = {
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  request: SyncGroupRequestSchema,
  response: SyncGroupResponseSchema,
  handle: handleSyncGroup,
}

export default handler
