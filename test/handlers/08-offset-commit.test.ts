import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handleOffsetCommit } from '../../src/handlers/08-offset-commit.js'
import { handleOffsetFetch } from '../../src/handlers/09-offset-fetch.js'
import {
  OffsetCommitRequestSchema,
  OffsetCommitResponseSchema,
} from '../../src/protocol/messages/offset-commit.js'
import type { OffsetCommitRequest } from '../../src/protocol/messages/offset-commit.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import { roundTripAllVersions } from '../protocol/round-trip.js'
import { openGroupFixture } from '../group/fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

let b: BrokerFixture
beforeAll(async () => {
  b = await openGroupFixture()
  await topicManagerFor(b.services).create('t', 2, {})
})
afterAll(async () => {
  await b.close()
})

function commit(group: string, offset: number): OffsetCommitRequest {
  return {
    groupId: group,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [
      {
        name: 't',
        partitions: [
          {
            partitionIndex: 1,
            committedOffset: offset,
            committedLeaderEpoch: -1,
            commitTimestamp: -1,
            committedMetadata: null,
          },
          {
            partitionIndex: 9,
            committedOffset: offset,
            committedLeaderEpoch: -1,
            commitTimestamp: -1,
            committedMetadata: null,
          },
        ],
      },
    ],
  }
}

describe('OffsetCommit', () => {
  it('round-trips v0-8', () => {
    roundTripAllVersions(OffsetCommitRequestSchema, () => ({
      ...commit('g', 4),
      generationIdOrMemberEpoch: 2,
      memberId: 'm',
      groupInstanceId: 'i',
      retentionTimeMs: 100,
    }))
    roundTripAllVersions(OffsetCommitResponseSchema, () => ({
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, errorCode: 0 }] }],
    }))
  })

  it('v0 simple commit is stored and fetched back; unknown partitions are refused', async () => {
    const r = await handleOffsetCommit(commit('oc', 42), b.ctx(8, 0))
    expect(r.topics[0].partitions).toEqual([
      { partitionIndex: 1, errorCode: 0 },
      { partitionIndex: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
    ])
    const f = handleOffsetFetch(
      {
        groupId: 'oc',
        topics: [{ name: 't', partitionIndexes: [1] }],
        groups: [],
        requireStable: false,
      },
      b.ctx(9, 5),
    )
    expect(f.topics[0].partitions[0]).toMatchObject({
      committedOffset: 42,
      metadata: '',
      errorCode: 0,
    })
  })

  it('a stale member commit is fenced (v8)', async () => {
    const r = await handleOffsetCommit(
      { ...commit('oc', 1), generationIdOrMemberEpoch: 5, memberId: 'm' },
      b.ctx(8, 8),
    )
    expect(r.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })
})
