// LeaveGroup (key 13), versions 0-4.
//
// Behaviour: removes members at once (their partitions move in the rebalance that follows) rather
// than waiting for their session to expire. A static member may leave by group_instance_id; a
// member id that does not match the instance's current id is FENCED_INSTANCE_ID.
//
// Version notes: v0-2 one member_id, the error is top-level; v1 throttle time; v3 batches
// members (member id + group instance id) with a per-member error; v4 flexible.
import {
  LeaveGroupRequestSchema,
  LeaveGroupResponseSchema,
} from '../protocol/messages/leave-group.js'
import type { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/messages/leave-group.js'
import { coordinatorOf } from '../group/service.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

export function handleLeaveGroup(
  request: LeaveGroupRequest,
  ctx: RequestContext,
): LeaveGroupResponse {
  const coordinator = coordinatorOf(ctx.broker)
  if (ctx.apiVersion < 3) {
    const r = coordinator.leaveGroup(request.groupId, [
      { memberId: request.memberId, groupInstanceId: null },
    ])
    const errorCode = r.errorCode !== 0 ? r.errorCode : (r.members[0]?.errorCode ?? 0)
    return { throttleTimeMs: 0, errorCode, members: [] }
  }
  const r = coordinator.leaveGroup(request.groupId, request.members)
  return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members }
}

export const handler: HandlerDef<LeaveGroupRequest, LeaveGroupResponse> = {
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 4,
  request: LeaveGroupRequestSchema,
  response: LeaveGroupResponseSchema,
  handle: handleLeaveGroup,
}

export default handler
