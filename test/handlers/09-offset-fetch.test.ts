import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handleOffsetFetch } from '../../src/handlers/09-offset-fetch.js'
import {
  OffsetFetchRequestSchema,
  OffsetFetchResponseSchema,
} from '../../src/protocol/messages/offset-fetch.js'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import { roundTripAllVersions } from '../protocol/round-trip.js'
import { openGroupFixture } from '../group/fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

let b: BrokerFixture
beforeAll(async () => {
  b = await openGroupFixture()
  await topicManagerFor(b.services).create('t', 2, {})
  await b.services.groups?.commitOffsets({
    groupId: 'fg',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [
      {
        name: 't',
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: 8,
            committedLeaderEpoch: 2,
            committedMetadata: 'md',
          },
        ],
      },
    ],
  })
})
afterAll(async () => {
  await b.close()
})

describe('OffsetFetch', () => {
  it('round-trips v0-8', () => {
    roundTripAllVersions(OffsetFetchRequestSchema, (v) => ({
      groupId: 'g',
      topics: v >= 2 ? null : [{ name: 't', partitionIndexes: [0, 1] }],
      groups: [{ groupId: 'g', topics: null }],
      requireStable: true,
    }))
    const partition = {
      partitionIndex: 0,
      committedOffset: 5,
      committedLeaderEpoch: 1,
      metadata: '',
      errorCode: 0,
    }
    roundTripAllVersions(OffsetFetchResponseSchema, () => ({
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [partition] }],
      errorCode: 0,
      groups: [{ groupId: 'g', topics: [{ name: 't', partitions: [partition] }], errorCode: 0 }],
    }))
  })

  it('v2+ null topics lists every committed partition; v8 answers per group', () => {
    const all = handleOffsetFetch(
      { groupId: 'fg', topics: null, groups: [], requireStable: false },
      b.ctx(9, 7),
    )
    expect(all.topics).toEqual([
      {
        name: 't',
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: 8,
            committedLeaderEpoch: 2,
            metadata: 'md',
            errorCode: 0,
          },
        ],
      },
    ])
    const v8 = handleOffsetFetch(
      {
        groupId: '',
        topics: null,
        requireStable: true,
        groups: [
          { groupId: 'fg', topics: [{ name: 't', partitionIndexes: [0, 1] }] },
          { groupId: 'none', topics: null },
        ],
      },
      b.ctx(9, 8),
    )
    expect(
      v8.groups.map((g) => [
        g.groupId,
        g.errorCode,
        g.topics.flatMap((t) => t.partitions.map((p) => p.committedOffset)),
      ]),
    ).toEqual([
      ['fg', 0, [8, -1]],
      ['none', 0, []],
    ])
  })
})
