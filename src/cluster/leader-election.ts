// The controller's decisions for one partition, as pure functions of its state and the set of
// live brokers (Kafka's rules, ZooKeeper-era controller):
// - the leader stays while it is live; dead followers leave the ISR (no epoch bump: the leader
//   did not change);
// - a dead or missing leader is replaced by the first replica, in assignment order, that is live
//   and in the ISR; the ISR loses the dead members; the leader epoch is bumped;
// - no such replica: with unclean election off the partition goes offline (leader -1, epoch
//   bumped) and the ISR keeps its last member(s), so that member's return brings it back; with
//   unclean election on, the first live replica leads with ISR = [itself];
// - preferred-leader election moves leadership back to replicas[0] once it is live and in the ISR.

import type { PartitionState } from './types.js'

export interface LeaderChange {
  leader: number
  leaderEpoch: number
  isr: number[]
}

export interface ElectionOptions {
  uncleanLeaderElection?: boolean
  /** Also move leadership to replicas[0] when it is eligible. */
  preferred?: boolean
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false
  const s = new Set(a)
  return b.every((x) => s.has(x))
}

/** The state the partition should move to, or null when it is fine as it is. */
export function electLeader(
  state: Pick<PartitionState, 'replicas' | 'leader' | 'leaderEpoch' | 'isr'>,
  live: ReadonlySet<number>,
  options: ElectionOptions = {},
): LeaderChange | null {
  const { replicas, leader, leaderEpoch, isr } = state
  const liveIsr = isr.filter((b) => live.has(b))
  if (leader !== -1 && live.has(leader)) {
    const preferred = replicas[0]
    if (
      options.preferred === true &&
      preferred !== undefined &&
      preferred !== leader &&
      live.has(preferred) &&
      liveIsr.includes(preferred)
    ) {
      return { leader: preferred, leaderEpoch: leaderEpoch + 1, isr: liveIsr }
    }
    if (!liveIsr.includes(leader)) liveIsr.push(leader)
    return sameSet(liveIsr, isr) ? null : { leader, leaderEpoch, isr: liveIsr }
  }
  const candidate = replicas.find((b) => live.has(b) && liveIsr.includes(b))
  if (candidate !== undefined) {
    return { leader: candidate, leaderEpoch: leaderEpoch + 1, isr: liveIsr }
  }
  if (options.uncleanLeaderElection === true) {
    const any = replicas.find((b) => live.has(b))
    if (any !== undefined) return { leader: any, leaderEpoch: leaderEpoch + 1, isr: [any] }
  }
  if (leader === -1) return null
  // Offline. Keep the ISR non-empty: its members are the only replicas known to hold every
  // committed record, so only one of them may lead again (unless unclean election is enabled).
  return { leader: -1, leaderEpoch: leaderEpoch + 1, isr: isr.length > 0 ? isr : [leader] }
}
