// One classic consumer group: its members, generation, chosen protocol and state, plus the
// committed offsets kept in memory (the durable copy is in __consumer_offsets). Plain data with
// small helpers; the transitions live in coordinator.ts.

import type { StoredOffset } from './records.js'
import type { TimerHandle } from './scheduler.js'

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

export const GROUP_STATES: readonly GroupState[] = [
  'Empty',
  'PreparingRebalance',
  'CompletingRebalance',
  'Stable',
  'Dead',
]

export interface Protocol {
  name: string
  metadata: Buffer
}

export interface JoinResult {
  errorCode: number
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leader: string
  memberId: string
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[]
}

export interface SyncResult {
  errorCode: number
  protocolType: string | null
  protocolName: string | null
  assignment: Buffer
}

export class Member {
  assignment: Buffer = Buffer.alloc(0)
  awaitingJoin: ((r: JoinResult) => void) | null = null
  awaitingSync: ((r: SyncResult) => void) | null = null
  heartbeat: TimerHandle | null = null
  /** A member added by this rebalance (its join is answered even if it lags). */
  isNew = false

  constructor(
    public memberId: string,
    public readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    public protocolType: string,
    public protocols: Protocol[],
  ) {}

  metadataFor(protocol: string): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? Buffer.alloc(0)
  }

  sameProtocols(protocols: readonly Protocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false
    return protocols.every(
      (p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata),
    )
  }
}

export class Group {
  state: GroupState = 'Empty'
  generationId = 0
  protocolType: string | null = null
  protocolName: string | null = null
  leaderId: string | null = null
  readonly members = new Map<string, Member>()
  /** Member ids handed out by a MEMBER_ID_REQUIRED answer, not yet joined (with expiry). */
  readonly pendingMembers = new Map<string, TimerHandle>()
  readonly staticMembers = new Map<string, string>()
  readonly offsets = new Map<string, StoredOffset>()
  /** When the group entered its current state (offset expiry of empty groups counts from it). */
  stateTimestamp: number
  rebalanceTimer: TimerHandle | null = null
  /** Set while the first rebalance of an empty group waits for more members. */
  initialDelayDeadline = -1
  joinedDuringDelay = false

  constructor(
    readonly groupId: string,
    now: number,
  ) {
    this.stateTimestamp = now
  }

  transition(state: GroupState, now: number): void {
    this.state = state
    this.stateTimestamp = now
  }

  get isEmpty(): boolean {
    return this.members.size === 0
  }

  allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false
    for (const m of this.members.values()) if (m.awaitingJoin === null) return false
    return true
  }

  maxRebalanceTimeoutMs(): number {
    let max = 0
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs)
    return max
  }

  /** Protocols every member supports (in the first member's order). */
  candidateProtocols(): string[] {
    let candidates: string[] | null = null
    for (const m of this.members.values()) {
      const names = m.protocols.map((p) => p.name)
      candidates = candidates === null ? names : candidates.filter((n) => names.includes(n))
    }
    return candidates ?? []
  }

  /** Whether a joining member's protocols fit the group (same type, one protocol in common). */
  supportsProtocols(protocolType: string, protocols: readonly Protocol[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && protocols.length > 0
    if (this.protocolType !== protocolType) return false
    const candidates = this.candidateProtocols()
    return protocols.some((p) => candidates.includes(p.name))
  }

  /** Each member votes for its most preferred candidate; the most votes wins. */
  selectProtocol(): string {
    const candidates = this.candidateProtocols()
    const votes = new Map<string, number>()
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.includes(p.name))
      if (choice !== undefined) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1)
    }
    let best = candidates[0]
    let bestVotes = -1
    for (const name of candidates) {
      const v = votes.get(name) ?? 0
      if (v > bestVotes) {
        best = name
        bestVotes = v
      }
    }
    if (best === undefined) throw new Error(`group ${this.groupId}: no common protocol`)
    return best
  }

  /** Topics the members subscribe to, when the protocol type is 'consumer' (else null). */
  subscribedTopics(): Set<string> | null {
    if (this.protocolType !== 'consumer' || this.protocolName === null) return null
    const topics = new Set<string>()
    for (const m of this.members.values()) {
      const parsed = parseSubscriptionTopics(m.metadataFor(this.protocolName))
      if (parsed === null) return null
      for (const t of parsed) topics.add(t)
    }
    return topics
  }
}

/** The topic list of a ConsumerProtocolSubscription (int16 version, then int16-length strings). */
export function parseSubscriptionTopics(buf: Buffer): string[] | null {
  try {
    let pos = 2
    const count = buf.readInt32BE(pos)
    pos += 4
    if (count < 0 || count > buf.length) return null
    const topics: string[] = []
    for (let i = 0; i < count; i++) {
      const len = buf.readInt16BE(pos)
      pos += 2
      if (len < 0 || pos + len > buf.length) return null
      topics.push(buf.toString('utf8', pos, pos + len))
      pos += len
    }
    return topics
  } catch {
    return null
  }
}

export function offsetKey(topic: string, partition: number): string {
  return `${partition}:${topic}`
}
