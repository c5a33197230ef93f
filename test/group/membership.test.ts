import { describe, expect, it, vi } from 'vitest'

vi.setConfig({ testTimeout: 5_000 })
import { ErrorCode } from '../../src/protocol/errors.js'
import { decodeGroupValue, decodeKey } from '../../src/group/records.js'
import { flush, harness, join } from './helpers.js'
import type { Harness } from './helpers.js'

/** Joins (two-step for v4+ style) and syncs one member alone into a stable group. */
async function stableSingle(
  h: Harness,
  over = {},
): Promise<{ memberId: string; generation: number }> {
  const j = await h.gc.joinGroup(join(over))
  expect(j.errorCode).toBe(0)
  const s = await h.gc.syncGroup({
    groupId: 'g',
    generationId: j.generationId,
    memberId: j.memberId,
    groupInstanceId: null,
    protocolType: null,
    protocolName: null,
    assignments: [{ memberId: j.memberId, assignment: Buffer.from('A') }],
  })
  expect(s.errorCode).toBe(0)
  return { memberId: j.memberId, generation: j.generationId }
}

describe('join and sync', () => {
  it('v4+ unknown member gets MEMBER_ID_REQUIRED, then joins with that id', async () => {
    const h = harness()
    const first = await h.gc.joinGroup(join({ requireKnownMemberId: true }))
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED)
    expect(first.memberId).toMatch(/^c-/)
    expect(h.gc.group('g')?.state).toBe('Empty')
    const second = await h.gc.joinGroup(
      join({ requireKnownMemberId: true, memberId: first.memberId }),
    )
    expect(second).toMatchObject({ errorCode: 0, generationId: 1, leader: first.memberId })
    expect(second.protocolName).toBe('range')
    expect(second.members.map((m) => m.memberId)).toEqual([first.memberId])
    expect(h.gc.group('g')?.state).toBe('CompletingRebalance')
  })

  it('a pending member id expires after the session timeout', async () => {
    const h = harness()
    const first = await h.gc.joinGroup(join({ requireKnownMemberId: true }))
    h.clock.advance(10_001)
    const again = await h.gc.joinGroup(join({ memberId: first.memberId }))
    expect(again.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
  })

  it('two members: leader gets all metadata, sync hands out assignments and stores the group', async () => {
    const h = harness()
    const p1 = h.gc.joinGroup(join({ clientId: 'a' }))
    // Member a is alone and already joined: the first generation completes for it at once.
    const j1 = await p1
    expect(j1.generationId).toBe(1)
    // b joins: a must rejoin in the new rebalance.
    const p2 = h.gc.joinGroup(join({ clientId: 'b' }))
    expect(h.gc.group('g')?.state).toBe('PreparingRebalance')
    const p1b = h.gc.joinGroup(join({ clientId: 'a', memberId: j1.memberId }))
    const [r1, r2] = await Promise.all([p1b, p2])
    expect(r1.generationId).toBe(2)
    expect(r2.generationId).toBe(2)
    const leader = r1.leader
    expect(leader).toBe(j1.memberId)
    expect(r1.members).toHaveLength(2)
    expect(r2.members).toHaveLength(0)
    const follower = h.gc.syncGroup({
      groupId: 'g',
      generationId: 2,
      memberId: r2.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [],
    })
    let followerDone = false
    void follower.then(() => (followerDone = true))
    await flush()
    expect(followerDone).toBe(false)
    const leaderSync = await h.gc.syncGroup({
      groupId: 'g',
      generationId: 2,
      memberId: leader,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [
        { memberId: leader, assignment: Buffer.from('L') },
        { memberId: r2.memberId, assignment: Buffer.from('F') },
      ],
    })
    expect(leaderSync.assignment.toString()).toBe('L')
    expect((await follower).assignment.toString()).toBe('F')
    expect(h.gc.group('g')?.state).toBe('Stable')
    const stored = h.log.records.at(-1)!
    expect(decodeKey(stored.key)).toEqual({ kind: 'group', group: 'g' })
    const value = decodeGroupValue(stored.value!)
    expect(value.generation).toBe(2)
    expect(value.members.map((m) => m.assignment.toString()).sort()).toEqual(['F', 'L'])
  })

  it('selects the protocol all members support, by preference votes', async () => {
    const h = harness({ initialRebalanceDelayMs: 100 })
    const m = (name: string): { name: string; metadata: Buffer } => ({
      name,
      metadata: Buffer.from(name),
    })
    const a = h.gc.joinGroup(join({ clientId: 'a', protocols: [m('x'), m('y'), m('z')] }))
    const b = h.gc.joinGroup(join({ clientId: 'b', protocols: [m('y'), m('x')] }))
    const c = h.gc.joinGroup(join({ clientId: 'c', protocols: [m('y'), m('z'), m('x')] }))
    h.clock.advance(100) // b and c joined during the delay: one more delay
    expect(h.gc.group('g')?.state).toBe('PreparingRebalance')
    h.clock.advance(100)
    const results = await Promise.all([a, b, c])
    expect(results.map((r) => r.protocolName)).toEqual(['y', 'y', 'y'])
    const leader = results.find((r) => r.members.length > 0)!
    expect(leader.members.map((x) => x.metadata.toString())).toEqual(['y', 'y', 'y'])
  })

  it('refuses a member with no protocol in common, or another protocol type', async () => {
    const h = harness()
    await stableSingle(h)
    const other = await h.gc.joinGroup(
      join({ protocols: [{ name: 'other', metadata: Buffer.alloc(0) }] }),
    )
    expect(other.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
    const type = await h.gc.joinGroup(join({ protocolType: 'connect' }))
    expect(type.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL)
  })

  it('validates the session timeout against group.min/max.session.timeout.ms', async () => {
    const h = harness()
    expect((await h.gc.joinGroup(join({ sessionTimeoutMs: 5_999 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    )
    expect((await h.gc.joinGroup(join({ sessionTimeoutMs: 1_800_001 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    )
    expect((await h.gc.joinGroup(join({ groupId: '' }))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID)
  })

  it('the initial rebalance delay collects members of a new group into one generation', async () => {
    const h = harness({ initialRebalanceDelayMs: 3000 })
    const a = h.gc.joinGroup(join({ clientId: 'a' }))
    h.clock.advance(2000)
    const b = h.gc.joinGroup(join({ clientId: 'b' }))
    h.clock.advance(2000) // first delay over, but b arrived during it: one more delay
    expect(h.gc.group('g')?.state).toBe('PreparingRebalance')
    h.clock.advance(2000)
    const [ra, rb] = await Promise.all([a, b])
    expect(ra.generationId).toBe(1)
    expect(rb.generationId).toBe(1)
  })
})

describe('heartbeat, fencing and expiry', () => {
  it('fences stale generations and unknown members', async () => {
    const h = harness()
    const { memberId, generation } = await stableSingle(h)
    expect(h.gc.heartbeat('g', generation, memberId, null)).toBe(0)
    expect(h.gc.heartbeat('g', generation - 1, memberId, null)).toBe(ErrorCode.ILLEGAL_GENERATION)
    expect(h.gc.heartbeat('g', generation, 'nobody', null)).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    expect(h.gc.heartbeat('nogroup', 1, memberId, null)).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    const sync = await h.gc.syncGroup({
      groupId: 'g',
      generationId: generation + 1,
      memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    })
    expect(sync.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION)
  })

  it('a member that stops heartbeating is evicted after the session timeout; the rest rebalance', async () => {
    const h = harness()
    const a = await h.gc.joinGroup(join({ clientId: 'a' }))
    const pb = h.gc.joinGroup(join({ clientId: 'b' }))
    const pa = h.gc.joinGroup(join({ clientId: 'a', memberId: a.memberId }))
    const [ra, rb] = await Promise.all([pa, pb])
    const sync = (memberId: string): Promise<unknown> =>
      h.gc.syncGroup({
        groupId: 'g',
        generationId: ra.generationId,
        memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [],
      })
    await Promise.all([sync(rb.memberId), sync(ra.memberId)])
    expect(h.gc.group('g')?.state).toBe('Stable')
    // a keeps heartbeating, b goes silent.
    for (let t = 0; t < 3; t++) {
      h.clock.advance(3_000)
      expect(h.gc.heartbeat('g', ra.generationId, ra.memberId, null)).toBe(0)
    }
    expect(h.gc.group('g')?.members.has(rb.memberId)).toBe(true)
    h.clock.advance(2_000)
    expect(h.gc.group('g')?.members.has(rb.memberId)).toBe(false)
    expect(h.gc.heartbeat('g', ra.generationId, ra.memberId, null)).toBe(
      ErrorCode.REBALANCE_IN_PROGRESS,
    )
    const rejoin = await h.gc.joinGroup(join({ clientId: 'a', memberId: ra.memberId }))
    expect(rejoin.generationId).toBe(ra.generationId + 1)
    expect(rejoin.members.map((m) => m.memberId)).toEqual([ra.memberId])
  })

  it('a member that does not rejoin within the rebalance timeout is dropped', async () => {
    const h = harness()
    const a = await h.gc.joinGroup(join({ clientId: 'a', rebalanceTimeoutMs: 20_000 }))
    await h.gc.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: a.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    })
    const pb = h.gc.joinGroup(join({ clientId: 'b', rebalanceTimeoutMs: 20_000 }))
    // a heartbeats (learns of the rebalance) but never rejoins.
    h.clock.advance(5_000)
    expect(h.gc.heartbeat('g', 1, a.memberId, null)).toBe(ErrorCode.REBALANCE_IN_PROGRESS)
    h.clock.advance(15_000)
    const rb = await pb
    expect(rb.generationId).toBe(2)
    expect(rb.leader).toBe(rb.memberId)
    expect(h.gc.group('g')?.members.size).toBe(1)
  })

  it('leave group removes the member and the last leave empties the group', async () => {
    const h = harness()
    const { memberId } = await stableSingle(h)
    const r = h.gc.leaveGroup('g', [
      { memberId, groupInstanceId: null },
      { memberId: 'ghost', groupInstanceId: null },
    ])
    expect(r.members.map((m) => m.errorCode)).toEqual([0, ErrorCode.UNKNOWN_MEMBER_ID])
    expect(h.gc.group('g')?.state).toBe('Empty')
    expect(h.gc.group('g')?.generationId).toBe(2)
  })
})

describe('static membership', () => {
  it('a restarted static member takes over its assignment without a rebalance; the old id is fenced', async () => {
    const h = harness()
    const first = await stableSingle(h, { groupInstanceId: 'i1' })
    const again = await h.gc.joinGroup(join({ groupInstanceId: 'i1', requireKnownMemberId: true }))
    expect(again.errorCode).toBe(0)
    expect(again.memberId).not.toBe(first.memberId)
    expect(again.generationId).toBe(first.generation)
    expect(h.gc.group('g')?.state).toBe('Stable')
    const s = await h.gc.syncGroup({
      groupId: 'g',
      generationId: again.generationId,
      memberId: again.memberId,
      groupInstanceId: 'i1',
      protocolType: null,
      protocolName: null,
      assignments: [],
    })
    expect(s.assignment.toString()).toBe('A')
    expect(h.gc.heartbeat('g', first.generation, first.memberId, 'i1')).toBe(
      ErrorCode.FENCED_INSTANCE_ID,
    )
    const leave = h.gc.leaveGroup('g', [{ memberId: first.memberId, groupInstanceId: 'i1' }])
    expect(leave.members[0].errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID)
    const commit = await h.gc.commitOffsets({
      groupId: 'g',
      generationId: first.generation,
      memberId: first.memberId,
      groupInstanceId: 'i1',
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
    expect(commit[0].partitions[0].errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID)
  })
})
