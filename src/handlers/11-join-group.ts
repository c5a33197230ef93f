// JoinGroup (key 11), versions 0-7.
//
// Behaviour: a thin adapter over GroupCoordinator.joinGroup (src/group/membership.ts): the
// answer arrives when the rebalance completes (after group.initial.rebalance.delay.ms for a new
// group, or when every member rejoined, or at the rebalance timeout). The leader receives every
// member's metadata for the selected protocol; followers an empty list.
//
// Version notes: v0 has no rebalance timeout (the session timeout is used); v2 throttle time;
// v4+ an unknown member first gets MEMBER_ID_REQUIRED with its new id and joins again with it
// (earlier versions are admitted at once); v5 group_instance_id (static membership, KIP-345:
// FENCED_INSTANCE_ID for a replaced instance); v6 flexible; v7 returns protocol_type and makes
// protocol_name nullable (before v7 an error answer carries an empty name instead of null).
import { JoinGroupRequestSchema, JoinGroupResponseSchema } from '../protocol/messages/join-group.js'
import type { JoinGroupRequest, JoinGroupResponse } from '../protocol/messages/join-group.js'
import { coordinatorOf } from '../group/service.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

export async function handleJoinGroup(
  request: JoinGroupRequest,
  ctx: RequestContext,
): Promise<JoinGroupResponse> {
  const result = await coordinatorOf(ctx.broker).joinGroup({
    groupId: request.groupId,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    sessionTimeoutMs: request.sessionTimeoutMs,
    rebalanceTimeoutMs: ctx.apiVersion >= 1 ? request.rebalanceTimeoutMs : -1,
    protocolType: request.protocolType,
    protocols: request.protocols,
    clientId: ctx.clientId ?? '',
    clientHost: `/${ctx.remoteAddress}`,
    requireKnownMemberId: ctx.apiVersion >= 4,
  })
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    generationId: result.generationId,
    protocolType: result.protocolType,
    protocolName: result.protocolName ?? (ctx.apiVersion >= 7 ? null : ''),
    leader: result.leader,
    memberId: result.memberId,
    members: result.members,
  }
}

export const handler: HandlerDef<JoinGroupRequest, JoinGroupResponse> = {
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 7,
  request: JoinGroupRequestSchema,
  response: JoinGroupResponseSchema,
  handle: handleJoinGroup,
}

export default handler
