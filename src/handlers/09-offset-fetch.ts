// OffsetFetch (key 9), versions 0-8.
//
// Behaviour: the committed offsets of a group from the coordinator's cache (loaded from
// __consumer_offsets at start-up). A partition without a commit answers offset -1, empty
// metadata and no error, like Kafka. There are no transactional offset commits yet, so nothing
// is ever pending and require_stable never yields UNSTABLE_OFFSET_COMMIT.
//
// Version notes: v0 is served like v1 (offsets from the internal topic, never ZooKeeper); v2
// null topics = every partition with a committed offset, and a top-level error code; v3
// throttle time; v5 committed leader epoch; v6 flexible; v7 require_stable; v8 several groups.
import {
  OffsetFetchRequestSchema,
  OffsetFetchResponseSchema,
} from '../protocol/messages/offset-fetch.js'
import type {
  OffsetFetchRequest,
  OffsetFetchResponse,
  OffsetFetchResponseTopic,
} from '../protocol/messages/offset-fetch.js'
import type { GroupCoordinator } from '../group/coordinator.js'
import { coordinatorOf } from '../group/service.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

function fetchGroup(
  coordinator: GroupCoordinator,
  groupId: string,
  topics: { name: string; partitionIndexes: number[] }[] | null,
  version: number,
): { errorCode: number; topics: OffsetFetchResponseTopic[] } {
  const r = coordinator.fetchOffsets(groupId, topics)
  if (r.errorCode !== 0 && version < 2) {
    // No top-level error code before v2: every requested partition carries it.
    return {
      errorCode: r.errorCode,
      topics: (topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({
          partitionIndex,
          committedOffset: -1,
          committedLeaderEpoch: -1,
          metadata: '',
          errorCode: r.errorCode,
        })),
      })),
    }
  }
  return r
}

export function handleOffsetFetch(
  request: OffsetFetchRequest,
  ctx: RequestContext,
): OffsetFetchResponse {
  const coordinator = coordinatorOf(ctx.broker)
  if (ctx.apiVersion >= 8) {
    return {
      throttleTimeMs: 0,
      topics: [],
      errorCode: 0,
      groups: request.groups.map((g) => {
        const r = fetchGroup(coordinator, g.groupId, g.topics, ctx.apiVersion)
        return { groupId: g.groupId, topics: r.topics, errorCode: r.errorCode }
      }),
    }
  }
  const r = fetchGroup(coordinator, request.groupId, request.topics, ctx.apiVersion)
  return { throttleTimeMs: 0, topics: r.topics, errorCode: r.errorCode, groups: [] }
}

export const handler: HandlerDef<OffsetFetchRequest, OffsetFetchResponse> = {
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 0,
  maxVersion: 8,
  request: OffsetFetchRequestSchema,
  response: OffsetFetchResponseSchema,
  handle: handleOffsetFetch,
}

export default handler
