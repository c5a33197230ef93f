// OffsetCommit (key 8), versions 0-8.
//
// Behaviour: a thin adapter over GroupCoordinator.commitOffsets: the offsets are appended to
// __consumer_offsets (Kafka's record format) and only then acknowledged. Members of a group are
// checked against the generation (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS
// while the group completes a rebalance, FENCED_INSTANCE_ID); a commit with generation -1 and
// no member id is accepted for an empty or unknown group (simple consumers, admin tools).
// Partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION, metadata over 4096 bytes
// OFFSET_METADATA_TOO_LARGE.
//
// Version notes: v0 has no generation/member (a simple commit); v1 adds them and a per-partition
// commit timestamp (ignored: the broker stamps commits); v2-4 retention_time_ms (ignored:
// offsets.retention.minutes decides, as in Kafka since 2.1); v3 throttle time; v6 leader epoch;
// v7 group_instance_id; v8 flexible.
import {
  OffsetCommitRequestSchema,
  OffsetCommitResponseSchema,
} from '../protocol/messages/offset-commit.js'
import type {
  OffsetCommitRequest,
  OffsetCommitResponse,
} from '../protocol/messages/offset-commit.js'
import { coordinatorOf } from '../group/service.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

export async function handleOffsetCommit(
  request: OffsetCommitRequest,
  ctx: RequestContext,
): Promise<OffsetCommitResponse> {
  const topics = await coordinatorOf(ctx.broker).commitOffsets({
    groupId: request.groupId,
    generationId: request.generationIdOrMemberEpoch,
    memberId: request.memberId,
    groupInstanceId: request.groupInstanceId,
    topics: request.topics,
  })
  return { throttleTimeMs: 0, topics }
}

export const handler: HandlerDef<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 8,
  request: OffsetCommitRequestSchema,
  response: OffsetCommitResponseSchema,
  handle: handleOffsetCommit,
}

export default handler
