import { describe, expect, it } from 'vitest'
import { assignReplicas } from '../../src/cluster/assignment.js'
import { electLeader } from '../../src/cluster/leader-election.js'
import type { BrokerInfo } from '../../src/cluster/types.js'

const b = (nodeId: number, rack: string | null = null): BrokerInfo => ({
  nodeId,
  host: 'h',
  port: 1,
  rack,
})

describe('assignReplicas', () => {
  it('spreads leaders and replicas round-robin with distinct replicas', () => {
    const out = assignReplicas([b(1), b(2), b(3)], 6, 3)
    for (const r of out) expect(new Set(r).size).toBe(3)
    const leaders = out.map((r) => r[0])
    expect(leaders.filter((l) => l === 1)).toHaveLength(2)
    expect(leaders.filter((l) => l === 2)).toHaveLength(2)
  })

  it('puts replicas of a partition on distinct racks when possible', () => {
    const brokers = [b(1, 'a'), b(2, 'a'), b(3, 'b'), b(4, 'b'), b(5, 'c'), b(6, 'c')]
    const rackOf = new Map(brokers.map((x) => [x.nodeId, x.rack]))
    for (const r of assignReplicas(brokers, 12, 3, 5)) {
      expect(new Set(r.map((id) => rackOf.get(id))).size).toBe(3)
    }
  })

  it('refuses a factor above the broker count', () => {
    expect(() => assignReplicas([b(1)], 1, 2)).toThrow(/INVALID_REPLICATION_FACTOR/)
  })
})

describe('electLeader', () => {
  const live = (...ids: number[]): Set<number> => new Set(ids)
  it('picks the first live ISR replica in assignment order and bumps the epoch', () => {
    expect(
      electLeader({ replicas: [1, 2, 3], leader: 1, leaderEpoch: 4, isr: [3, 2, 1] }, live(2, 3)),
    ).toEqual({ leader: 2, leaderEpoch: 5, isr: [3, 2] })
  })
  it('goes offline keeping the ISR when no ISR member is live (unclean off)', () => {
    expect(electLeader({ replicas: [1, 2], leader: 1, leaderEpoch: 0, isr: [1] }, live(2))).toEqual(
      {
        leader: -1,
        leaderEpoch: 1,
        isr: [1],
      },
    )
    expect(
      electLeader({ replicas: [1, 2], leader: 1, leaderEpoch: 0, isr: [1] }, live(2), {
        uncleanLeaderElection: true,
      }),
    ).toEqual({ leader: 2, leaderEpoch: 1, isr: [2] })
  })
  it('drops dead followers from the ISR without an epoch bump; no change when healthy', () => {
    expect(
      electLeader({ replicas: [1, 2], leader: 1, leaderEpoch: 3, isr: [1, 2] }, live(1)),
    ).toEqual({ leader: 1, leaderEpoch: 3, isr: [1] })
    expect(
      electLeader({ replicas: [1, 2], leader: 1, leaderEpoch: 3, isr: [1, 2] }, live(1, 2)),
    ).toBeNull()
  })
  it('restores the preferred leader only when it is live and in sync', () => {
    const s = { replicas: [2, 1], leader: 1, leaderEpoch: 1, isr: [1] }
    expect(electLeader(s, live(1, 2), { preferred: true })).toBeNull()
    expect(electLeader({ ...s, isr: [1, 2] }, live(1, 2), { preferred: true })).toEqual({
      leader: 2,
      leaderEpoch: 2,
      isr: [1, 2],
    })
  })
})
