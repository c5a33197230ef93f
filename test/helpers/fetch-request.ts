// A Fetch request (v12 fields) for one topic, for handler and fetch-session tests.
import type { FetchRequest } from '../../src/protocol/messages/fetch.js'

export function fetchReq(
  parts: { partition: number; offset: number; max?: number }[],
  over: Partial<FetchRequest> = {},
  topic = 't',
): FetchRequest {
  return {
    clusterId: null,
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 50 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics:
      parts.length === 0
        ? []
        : [
            {
              topic,
              partitions: parts.map((p) => ({
                partition: p.partition,
                currentLeaderEpoch: -1,
                fetchOffset: p.offset,
                lastFetchedEpoch: -1,
                logStartOffset: -1,
                partitionMaxBytes: p.max ?? 1 << 20,
              })),
            },
          ],
    forgottenTopicsData: [],
    rackId: '',
    ...over,
  }
}
