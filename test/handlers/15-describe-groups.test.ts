import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GROUP_OPERATIONS, handleDescribeGroups } from '../../src/handlers/15-describe-groups.js'
import { handleListGroups } from '../../src/handlers/16-list-groups.js'
import { handleDeleteGroups } from '../../src/handlers/42-delete-groups.js'
import { handleOffsetDelete } from '../../src/handlers/47-offset-delete.js'
import { handleJoinGroup } from '../../src/handlers/11-join-group.js'
import { handleSyncGroup } from '../../src/handlers/14-sync-group.js'
import {
  DescribeGroupsRequestSchema,
  DescribeGroupsResponseSchema,
} from '../../src/protocol/messages/describe-groups.js'
import {
  ListGroupsRequestSchema,
  ListGroupsResponseSchema,
} from '../../src/protocol/messages/list-groups.js'
import {
  DeleteGroupsRequestSchema,
  DeleteGroupsResponseSchema,
} from '../../src/protocol/messages/delete-groups.js'
import {
  OffsetDeleteRequestSchema,
  OffsetDeleteResponseSchema,
} from '../../src/protocol/messages/offset-delete.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import { NOT_REQUESTED } from '../../src/metadata/acl-operations.js'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import { roundTripAllVersions } from '../protocol/round-trip.js'
import { openGroupFixture } from '../group/fixture.js'
import { subscription } from '../group/helpers.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

let b: BrokerFixture
let memberId = ''
beforeAll(async () => {
  b = await openGroupFixture()
  await topicManagerFor(b.services).create('t', 1, {})
  await topicManagerFor(b.services).create('u', 1, {})
  const j = await handleJoinGroup(
    {
      groupId: 'live',
      sessionTimeoutMs: 30_000,
      rebalanceTimeoutMs: 30_000,
      memberId: '',
      groupInstanceId: 'inst',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: subscription(['t']) }],
    },
    b.ctx(11, 5),
  )
  memberId = j.memberId
  await handleSyncGroup(
    {
      groupId: 'live',
      generationId: j.generationId,
      memberId,
      groupInstanceId: 'inst',
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId, assignment: Buffer.from('a') }],
    },
    b.ctx(14, 3),
  )
  for (const topic of ['t', 'u'])
    await b.services.groups?.commitOffsets({
      groupId: 'live',
      generationId: j.generationId,
      memberId,
      groupInstanceId: 'inst',
      topics: [
        {
          name: topic,
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 1,
              committedLeaderEpoch: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
    })
  await b.services.groups?.commitOffsets({
    groupId: 'idle',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [
      {
        name: 't',
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: 1,
            committedLeaderEpoch: -1,
            committedMetadata: null,
          },
        ],
      },
    ],
  })
})
afterAll(async () => {
  await b.close()
})

describe('group admin schemas', () => {
  it('round-trip every served version', () => {
    roundTripAllVersions(DescribeGroupsRequestSchema, () => ({
      groups: ['a'],
      includeAuthorizedOperations: true,
    }))
    roundTripAllVersions(DescribeGroupsResponseSchema, () => ({
      throttleTimeMs: 0,
      groups: [
        {
          errorCode: 0,
          groupId: 'g',
          groupState: 'Stable',
          protocolType: 'consumer',
          protocolData: 'range',
          members: [
            {
              memberId: 'm',
              groupInstanceId: 'i',
              clientId: 'c',
              clientHost: '/h',
              memberMetadata: Buffer.from([1]),
              memberAssignment: Buffer.from([2]),
            },
          ],
          authorizedOperations: 328,
        },
      ],
    }))
    roundTripAllVersions(ListGroupsRequestSchema, () => ({ statesFilter: ['Stable'] }))
    roundTripAllVersions(ListGroupsResponseSchema, () => ({
      throttleTimeMs: 0,
      errorCode: 0,
      groups: [{ groupId: 'g', protocolType: 'consumer', groupState: 'Empty' }],
    }))
    roundTripAllVersions(DeleteGroupsRequestSchema, () => ({ groupsNames: ['a', 'b'] }))
    roundTripAllVersions(DeleteGroupsResponseSchema, () => ({
      throttleTimeMs: 0,
      results: [{ groupId: 'a', errorCode: 69 }],
    }))
    roundTripAllVersions(OffsetDeleteRequestSchema, () => ({
      groupId: 'g',
      topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }],
    }))
    roundTripAllVersions(OffsetDeleteResponseSchema, () => ({
      errorCode: 0,
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 86 }] }],
    }))
  })
})

describe('DescribeGroups / ListGroups / DeleteGroups / OffsetDelete', () => {
  it('describes a stable group with its members; unknown groups are Dead', () => {
    const r = handleDescribeGroups(
      { groups: ['live', 'nope'], includeAuthorizedOperations: true },
      b.ctx(15, 4),
    )
    const [live, nope] = r.groups
    expect(live).toMatchObject({
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
      authorizedOperations: GROUP_OPERATIONS,
    })
    expect(live.members).toHaveLength(1)
    expect(live.members[0]).toMatchObject({
      memberId,
      groupInstanceId: 'inst',
      clientId: 'test',
      clientHost: '/127.0.0.1',
    })
    expect(live.members[0].memberAssignment.toString()).toBe('a')
    expect(nope).toMatchObject({ errorCode: 0, groupState: 'Dead', members: [] })
    const noOps = handleDescribeGroups(
      { groups: ['live'], includeAuthorizedOperations: false },
      b.ctx(15, 3),
    )
    expect(noOps.groups[0].authorizedOperations).toBe(NOT_REQUESTED)
  })

  it('lists groups, with the v4 state filter', () => {
    const all = handleListGroups({ statesFilter: [] }, b.ctx(16, 4))
    expect(all.groups.map((g) => g.groupId).sort()).toEqual(['idle', 'live'])
    const stable = handleListGroups({ statesFilter: ['stable'] }, b.ctx(16, 4))
    expect(stable.groups).toEqual([
      { groupId: 'live', protocolType: 'consumer', groupState: 'Stable' },
    ])
    expect(handleListGroups({ statesFilter: ['stable'] }, b.ctx(16, 3)).groups).toHaveLength(2)
  })

  it('offset delete refuses subscribed topics of a live group', async () => {
    const r = await handleOffsetDelete(
      {
        groupId: 'live',
        topics: [
          { name: 't', partitions: [{ partitionIndex: 0 }] },
          { name: 'u', partitions: [{ partitionIndex: 0 }] },
        ],
      },
      b.ctx(47, 0),
    )
    expect(r.topics.map((t) => t.partitions[0].errorCode)).toEqual([
      ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC,
      0,
    ])
    expect(b.services.groups?.fetchOffsets('live', null).topics.map((t) => t.name)).toEqual(['t'])
    const missing = await handleOffsetDelete({ groupId: 'nope', topics: [] }, b.ctx(47, 0))
    expect(missing.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
  })

  it('deletes only empty groups', async () => {
    const r = await handleDeleteGroups({ groupsNames: ['live', 'idle', 'nope'] }, b.ctx(42, 2))
    expect(r.results).toEqual([
      { groupId: 'live', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'idle', errorCode: 0 },
      { groupId: 'nope', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ])
  })
})
