import { afterEach, describe, expect, it, vi } from 'vitest'
import { ErrorCode } from '../../src/protocol/errors.js'
import { openGroupCoordinator } from '../../src/group/service.js'
import { OFFSETS_TOPIC, javaStringHashCode, partitionForGroup } from '../../src/group/records.js'
import { ManualScheduler } from '../../src/group/scheduler.js'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import { openBrokerFixture } from '../metadata/broker-fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'
import { harness, join } from './helpers.js'
import type { CommitParams } from '../../src/group/coordinator.js'

vi.setConfig({ testTimeout: 10_000 })

function commit(over: Partial<CommitParams> = {}, offset = 5, partition = 0): CommitParams {
  return {
    groupId: 'g',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [
      {
        name: 't',
        partitions: [
          {
            partitionIndex: partition,
            committedOffset: offset,
            committedLeaderEpoch: 3,
            committedMetadata: 'm',
          },
        ],
      },
    ],
    ...over,
  }
}

describe('group placement', () => {
  it("uses Java's String.hashCode like Kafka", () => {
    expect(javaStringHashCode('')).toBe(0)
    expect(javaStringHashCode('hello')).toBe(99162322)
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648)
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0)
    expect(partitionForGroup('hello', 50)).toBe(99162322 % 50)
  })
})

describe('offset commits (in memory)', () => {
  it('a simple consumer commits to an unknown group; fetch returns it, unknown partitions -1', async () => {
    const h = harness()
    const r = await h.gc.commitOffsets(commit())
    expect(r[0].partitions[0].errorCode).toBe(0)
    const f = h.gc.fetchOffsets('g', [{ name: 't', partitionIndexes: [0, 1] }])
    expect(f.topics[0].partitions).toEqual([
      {
        partitionIndex: 0,
        committedOffset: 5,
        committedLeaderEpoch: 3,
        metadata: 'm',
        errorCode: 0,
      },
      {
        partitionIndex: 1,
        committedOffset: -1,
        committedLeaderEpoch: -1,
        metadata: '',
        errorCode: 0,
      },
    ])
    expect(h.gc.fetchOffsets('g', null).topics.map((t) => t.name)).toEqual(['t'])
    expect(h.gc.listGroups().map((g) => [g.groupId, g.protocolType, g.state])).toEqual([
      ['g', '', 'Empty'],
    ])
  })

  it('checks generation and membership for group members', async () => {
    const h = harness()
    expect(
      (await h.gc.commitOffsets(commit({ generationId: 1, memberId: 'x' })))[0].partitions[0]
        .errorCode,
    ).toBe(ErrorCode.ILLEGAL_GENERATION)
    const j = await h.gc.joinGroup(join())
    // CompletingRebalance: commits wait for the assignment.
    expect(
      (await h.gc.commitOffsets(commit({ generationId: j.generationId, memberId: j.memberId })))[0]
        .partitions[0].errorCode,
    ).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    await h.gc.syncGroup({
      groupId: 'g',
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    })
    const ok = await h.gc.commitOffsets(
      commit({ generationId: j.generationId, memberId: j.memberId }),
    )
    expect(ok[0].partitions[0].errorCode).toBe(0)
    const stale = await h.gc.commitOffsets(
      commit({ generationId: j.generationId - 1, memberId: j.memberId }),
    )
    expect(stale[0].partitions[0].errorCode).toBe(ErrorCode.ILLEGAL_GENERATION)
    const stranger = await h.gc.commitOffsets(
      commit({ generationId: j.generationId, memberId: 'nobody' }),
    )
    expect(stranger[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    // A non-empty group refuses simple commits.
    expect((await h.gc.commitOffsets(commit()))[0].partitions[0].errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    )
  })

  it('per-partition errors: unknown topic, metadata too large; a failed append fails the commit', async () => {
    const h = harness()
    const r = await h.gc.commitOffsets({
      ...commit(),
      topics: [
        {
          name: 'missing',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 1,
              committedLeaderEpoch: -1,
              committedMetadata: null,
            },
          ],
        },
        {
          name: 't',
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 1,
              committedLeaderEpoch: -1,
              committedMetadata: 'x'.repeat(4097),
            },
          ],
        },
      ],
    })
    expect(r.map((t) => t.partitions[0].errorCode)).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.OFFSET_METADATA_TOO_LARGE,
    ])
    h.log.fail = new Error('disk on fire')
    const failed = await h.gc.commitOffsets(commit())
    expect(failed[0].partitions[0].errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    expect(
      h.gc.fetchOffsets('g', [{ name: 't', partitionIndexes: [0] }]).topics[0].partitions[0]
        .committedOffset,
    ).toBe(-1)
  })

  it('expires offsets of simple consumers after offsets.retention.minutes and drops the group', async () => {
    const h = harness({ offsetsRetentionMs: 60_000 })
    await h.gc.commitOffsets(commit())
    h.clock.advance(59_000)
    expect(await h.gc.expireOffsets()).toBe(0)
    h.clock.advance(1_000)
    expect(await h.gc.expireOffsets()).toBe(1)
    expect(h.gc.group('g')).toBeUndefined()
    expect(h.log.records.at(-1)?.value).toBeNull()
  })

  it('delete groups: non-empty refused, empty deleted, unknown not found; offset delete', async () => {
    const h = harness()
    await h.gc.commitOffsets(commit({ groupId: 'e' }))
    await h.gc.commitOffsets(commit({ groupId: 'e' }, 7, 1))
    await h.gc.joinGroup(join({ groupId: 'busy' }))
    const del = await h.gc.deleteOffsets('e', [{ name: 't', partitions: [1] }])
    expect(del.topics[0].partitions[0].errorCode).toBe(0)
    expect(h.gc.fetchOffsets('e', null).topics[0].partitions.map((p) => p.partitionIndex)).toEqual([
      0,
    ])
    const busy = await h.gc.deleteOffsets('busy', [{ name: 't', partitions: [0] }])
    expect(busy.topics[0].partitions[0].errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC)
    expect(await h.gc.deleteGroups(['busy', 'e', 'nope'])).toEqual([
      { groupId: 'busy', errorCode: ErrorCode.NON_EMPTY_GROUP },
      { groupId: 'e', errorCode: 0 },
      { groupId: 'nope', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ])
    expect(h.gc.fetchOffsets('e', null).topics).toEqual([])
  })
})

describe('durable state in __consumer_offsets', () => {
  let b: BrokerFixture | undefined
  afterEach(async () => {
    await b?.close()
    b = undefined
  })

  it('offsets and group metadata survive a reload from the partition logs', async () => {
    b = await openBrokerFixture([
      ['offsets.topic.num.partitions', '4'],
      ['group.initial.rebalance.delay.ms', '0'],
    ])
    const s = b.services
    await topicManagerFor(s).create('t', 2, {})
    const clock = new ManualScheduler()
    const gc = await openGroupCoordinator({
      config: s.config,
      logs: s.logs,
      topics: s.topics,
      scheduler: clock,
    })
    expect(s.topics.get(OFFSETS_TOPIC)?.partitions).toBe(4)
    await gc.commitOffsets(commit({ groupId: 'simple' }, 11, 1))
    await gc.commitOffsets(commit({ groupId: 'simple' }, 12, 1))
    await gc.commitOffsets(commit({ groupId: 'gone' }, 1, 0))
    expect(await gc.deleteGroups(['gone'])).toEqual([{ groupId: 'gone', errorCode: 0 }])
    const j = await gc.joinGroup(join({ groupId: 'cg' }))
    await gc.syncGroup({
      groupId: 'cg',
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: j.memberId, assignment: Buffer.from('asg') }],
    })
    await gc.commitOffsets(
      commit({ groupId: 'cg', generationId: j.generationId, memberId: j.memberId }, 3, 0),
    )
    const where = s.logs.get(OFFSETS_TOPIC, partitionForGroup('simple', 4))
    expect(where?.logEndOffset).toBeGreaterThanOrEqual(2)
    gc.close()

    const again = await openGroupCoordinator({
      config: s.config,
      logs: s.logs,
      topics: s.topics,
      scheduler: new ManualScheduler(),
    })
    expect(
      again.fetchOffsets('simple', [{ name: 't', partitionIndexes: [1] }]).topics[0].partitions[0],
    ).toMatchObject({
      committedOffset: 12,
      committedLeaderEpoch: 3,
      metadata: 'm',
    })
    expect(again.group('gone')).toBeUndefined()
    const cg = again.group('cg')
    expect(cg?.state).toBe('Stable')
    expect(cg?.generationId).toBe(j.generationId)
    expect(cg?.members.get(j.memberId)?.assignment.toString()).toBe('asg')
    expect(again.heartbeat('cg', j.generationId, j.memberId, null)).toBe(0)
    expect(again.fetchOffsets('cg', null).topics[0].partitions[0].committedOffset).toBe(3)
    again.close()
  })
})
