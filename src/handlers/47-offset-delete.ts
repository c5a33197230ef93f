// OffsetDelete (key 47), version 0.
//
// Behaviour: deletes committed offsets of a group (tombstones in __consumer_offsets). Allowed for
// an empty group, or for topics no member of a consumer-protocol group subscribes to
// (GROUP_SUBSCRIBED_TO_TOPIC per partition otherwise); a non-empty group of another protocol
// type is NON_EMPTY_GROUP, an unknown group GROUP_ID_NOT_FOUND.
import {
  OffsetDeleteRequestSchema,
  OffsetDeleteResponseSchema,
} from '../protocol/messages/offset-delete.js'
import type {
  OffsetDeleteRequest,
  OffsetDeleteResponse,
} from '../protocol/messages/offset-delete.js'
import { coordinatorOf } from '../group/service.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

export async function handleOffsetDelete(
  request: OffsetDeleteRequest,
  ctx: RequestContext,
): Promise<OffsetDeleteResponse> {
  const r = await coordinatorOf(ctx.broker).deleteOffsets(
    request.groupId,
    request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => p.partitionIndex),
    })),
  )
  return { errorCode: r.errorCode, throttleTimeMs: 0, topics: r.topics }
}

export const handler: HandlerDef<OffsetDeleteRequest, OffsetDeleteResponse> = {
  apiKey: 47,
  name: 'OffsetDelete',
  minVersion: 0,
  maxVersion: 0,
  request: OffsetDeleteRequestSchema,
  response: OffsetDeleteResponseSchema,
  handle: handleOffsetDelete,
}

export default handler
