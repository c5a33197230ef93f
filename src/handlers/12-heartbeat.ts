// Heartbeat (key 12), versions 0-4.
//
// Behaviour: renews the member's session (group.min/max.session.timeout.ms bound what a member
// may ask for at join). REBALANCE_IN_PROGRESS tells a member of the current generation to rejoin;
// ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID fence out-of-date members.
//
// Version notes: v1 throttle time; v3 group_instance_id; v4 flexible.
import { HeartbeatRequestSchema, HeartbeatResponseSchema } from '../protocol/messages/heartbeat.js'
import type { HeartbeatRequest, HeartbeatResponse } from '../protocol/messages/heartbeat.js'
import { coordinatorOf } from '../group/service.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

export function handleHeartbeat(request: HeartbeatRequest, ctx: RequestContext): HeartbeatResponse {
  const errorCode = coordinatorOf(ctx.broker).heartbeat(
    request.groupId,
    request.generationId,
    request.memberId,
    request.groupInstanceId,
  )
  return { throttleTimeMs: 0, errorCode }
}

export const handler: HandlerDef<HeartbeatRequest, HeartbeatResponse> = {
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  request: HeartbeatRequestSchema,
  response: HeartbeatResponseSchema,
  handle: handleHeartbeat,
}

export default handler
