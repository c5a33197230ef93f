// The classic group membership protocol (Kafka's GroupCoordinator for JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup): member admission with the v4+ two-step join, static membership,
// rebalances with an initial delay and a rebalance timeout, protocol selection, generation
// fencing and session-timeout eviction. All transitions happen synchronously inside one call or
// timer callback; only writes to __consumer_offsets are awaited.

import { randomUUID } from 'node:crypto'
import { ErrorCode } from '../protocol/errors.js'
import { Group, Member } from './group.js'
import type { JoinResult, Protocol, SyncResult } from './group.js'
import type { GroupLog } from './group-log.js'
import { encodeGroupKey, encodeGroupValue } from './records.js'
import type { Scheduler } from './scheduler.js'
import type { LogFn } from '../log-fn.js'

export interface GroupConfig {
  minSessionTimeoutMs: number
  maxSessionTimeoutMs: number
  initialRebalanceDelayMs: number
  offsetsRetentionMs: number
  offsetsRetentionCheckIntervalMs: number
  /** offset.metadata.max.bytes */
  maxMetadataBytes: number
}

export const DEFAULT_GROUP_CONFIG: GroupConfig = {
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3_000,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  maxMetadataBytes: 4096,
}

export interface JoinParams {
  groupId: string
  memberId: string
  groupInstanceId: string | null
  sessionTimeoutMs: number
  /** -1 (JoinGroup v0) = the session timeout. */
  rebalanceTimeoutMs: number
  protocolType: string
  protocols: Protocol[]
  clientId: string
  clientHost: string
  /** JoinGroup v4+: an unknown member gets MEMBER_ID_REQUIRED and joins again with the id. */
  requireKnownMemberId: boolean
}

export interface SyncParams {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
  protocolType: string | null
  protocolName: string | null
  assignments: { memberId: string; assignment: Buffer }[]
}

export interface MemberRef {
  memberId: string
  groupInstanceId: string | null
}

export interface LeaveResult {
  errorCode: number
  members: (MemberRef & { errorCode: number })[]
}

const EMPTY = Buffer.alloc(0)

export class GroupMembership {
  protected readonly groups = new Map<string, Group>()
  /**
   * Whether this broker coordinates the group (cluster mode: it leads the group's
   * __consumer_offsets partition); otherwise every group API answers NOT_COORDINATOR.
   */
  ownsGroup: (groupId: string) => boolean = () => true

  constructor(
    protected readonly config: GroupConfig,
    protected readonly store: GroupLog,
    protected readonly scheduler: Scheduler,
    protected readonly log: LogFn = () => undefined,
  ) {}

  /** The group, for tests and admin paths. */
  group(groupId: string): Group | undefined {
    return this.groups.get(groupId)
  }

  joinGroup(p: JoinParams): Promise<JoinResult> {
    if (p.groupId === '') return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID, p.memberId))
    if (!this.ownsGroup(p.groupId))
      return Promise.resolve(joinError(ErrorCode.NOT_COORDINATOR, p.memberId))
    if (
      p.sessionTimeoutMs < this.config.minSessionTimeoutMs ||
      p.sessionTimeoutMs > this.config.maxSessionTimeoutMs
    ) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, p.memberId))
    }
    let group = this.groups.get(p.groupId)
    if (group === undefined) {
      if (p.memberId !== '')
        return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, p.memberId))
      group = new Group(p.groupId, this.scheduler.now())
      this.groups.set(p.groupId, group)
    }
    if (group.state === 'Dead') {
      return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, p.memberId))
    }
    const pending = group.pendingMembers.has(p.memberId)
    if (!pending && !group.supportsProtocols(p.protocolType, p.protocols)) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, p.memberId))
    }
    const rebalanceTimeoutMs = p.rebalanceTimeoutMs < 0 ? p.sessionTimeoutMs : p.rebalanceTimeoutMs
    const params = { ...p, rebalanceTimeoutMs }
    return p.memberId === '' ? this.joinUnknown(group, params) : this.joinKnown(group, params)
  }

  private joinUnknown(group: Group, p: JoinParams): Promise<JoinResult> {
    const memberId = `${p.clientId === '' ? 'member' : p.clientId}-${randomUUID()}`
    if (p.groupInstanceId !== null) {
      const oldId = group.staticMembers.get(p.groupInstanceId)
      const old = oldId === undefined ? undefined : group.members.get(oldId)
      if (old !== undefined) return this.replaceStaticMember(group, old, memberId, p)
      return this.addMemberAndRebalance(group, memberId, p)
    }
    if (p.requireKnownMemberId) {
      // The id is reserved for one session timeout; a client that never comes back is forgotten.
      const timer = this.scheduler.schedule(p.sessionTimeoutMs, () => {
        if (group.pendingMembers.get(memberId) !== timer) return
        group.pendingMembers.delete(memberId)
        this.checkJoinComplete(group)
      })
      group.pendingMembers.set(memberId, timer)
      return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId))
    }
    return this.addMemberAndRebalance(group, memberId, p)
  }

  private joinKnown(group: Group, p: JoinParams): Promise<JoinResult> {
    const timer = group.pendingMembers.get(p.memberId)
    if (timer !== undefined) {
      timer.cancel()
      group.pendingMembers.delete(p.memberId)
      if (!group.supportsProtocols(p.protocolType, p.protocols)) {
        this.checkJoinComplete(group)
        return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, p.memberId))
      }
      return this.addMemberAndRebalance(group, p.memberId, p)
    }
    if (this.isFenced(group, p.memberId, p.groupInstanceId)) {
      return Promise.resolve(joinError(ErrorCode.FENCED_INSTANCE_ID, p.memberId))
    }
    const member = group.members.get(p.memberId)
    if (member === undefined)
      return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, p.memberId))
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, p)
      case 'CompletingRebalance':
        // Same metadata: the member probably lost our answer; repeat it without a rebalance.
        if (member.sameProtocols(p.protocols))
          return Promise.resolve(this.currentJoinResult(group, member))
        return this.updateMemberAndRebalance(group, member, p)
      case 'Stable':
        if (member.memberId === group.leaderId || !member.sameProtocols(p.protocols)) {
          return this.updateMemberAndRebalance(group, member, p)
        }
        return Promise.resolve(this.currentJoinResult(group, member))
      default:
        return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, p.memberId))
    }
  }

  /** A static member came back with a new member id: the old id is fenced. */
  private replaceStaticMember(
    group: Group,
    member: Member,
    newId: string,
    p: JoinParams,
  ): Promise<JoinResult> {
    const oldId = member.memberId
    member.awaitingJoin?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId))
    member.awaitingJoin = null
    member.awaitingSync?.(syncError(ErrorCode.FENCED_INSTANCE_ID))
    member.awaitingSync = null
    member.heartbeat?.cancel()
    group.members.delete(oldId)
    member.memberId = newId
    group.members.set(newId, member)
    group.staticMembers.set(p.groupInstanceId as string, newId)
    if (group.leaderId === oldId) group.leaderId = newId
    const unchanged = member.sameProtocols(p.protocols)
    member.clientId = p.clientId
    member.clientHost = p.clientHost
    member.sessionTimeoutMs = p.sessionTimeoutMs
    member.rebalanceTimeoutMs = p.rebalanceTimeoutMs
    if (group.state === 'Stable' && unchanged) {
      // KIP-345: a static member restarting with the same subscription keeps its assignment and
      // causes no rebalance.
      this.scheduleHeartbeat(group, member)
      this.persistGroup(group).catch((err: unknown) =>
        this.log('warn', 'could not store group after static member rejoin', {
          group: group.groupId,
          error: err,
        }),
      )
      return Promise.resolve(this.currentJoinResult(group, member))
    }
    return this.updateMemberAndRebalance(group, member, p)
  }

  private addMemberAndRebalance(
    group: Group,
    memberId: string,
    p: JoinParams,
  ): Promise<JoinResult> {
    const member = new Member(
      memberId,
      p.groupInstanceId,
      p.clientId,
      p.clientHost,
      p.sessionTimeoutMs,
      p.rebalanceTimeoutMs,
      p.protocolType,
      p.protocols,
    )
    member.isNew = true
    if (group.members.size === 0) group.protocolType = p.protocolType
    group.members.set(memberId, member)
    if (p.groupInstanceId !== null) group.staticMembers.set(p.groupInstanceId, memberId)
    if (group.leaderId === null || !group.members.has(group.leaderId)) group.leaderId = memberId
    const result = new Promise<JoinResult>((resolve) => {
      member.awaitingJoin = resolve
    })
    if (group.state === 'PreparingRebalance' && group.initialDelayDeadline >= 0) {
      group.joinedDuringDelay = true
    }
    this.maybePrepareRebalance(group)
    this.checkJoinComplete(group)
    return result
  }

  private updateMemberAndRebalance(
    group: Group,
    member: Member,
    p: JoinParams,
  ): Promise<JoinResult> {
    member.protocols = p.protocols
    member.protocolType = p.protocolType
    member.sessionTimeoutMs = p.sessionTimeoutMs
    member.rebalanceTimeoutMs = p.rebalanceTimeoutMs
    member.clientId = p.clientId
    member.clientHost = p.clientHost
    // A duplicate join (client retry) replaces the earlier one, which is told to rejoin.
    member.awaitingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId))
    const result = new Promise<JoinResult>((resolve) => {
      member.awaitingJoin = resolve
    })
    this.maybePrepareRebalance(group)
    this.checkJoinComplete(group)
    return result
  }

  private currentJoinResult(group: Group, member: Member): JoinResult {
    const isLeader = member.memberId === group.leaderId
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: isLeader ? this.memberList(group) : [],
    }
  }

  private memberList(group: Group): JoinResult['members'] {
    const protocol = group.protocolName ?? ''
    return [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadataFor(protocol),
    }))
  }

  protected maybePrepareRebalance(group: Group): void {
    if (
      group.state === 'Empty' ||
      group.state === 'Stable' ||
      group.state === 'CompletingRebalance'
    ) {
      this.prepareRebalance(group)
    }
  }

  protected prepareRebalance(group: Group): void {
    if (group.state === 'CompletingRebalance') {
      for (const m of group.members.values()) {
        m.assignment = EMPTY
        m.awaitingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS))
        m.awaitingSync = null
      }
    }
    const wasEmpty = group.state === 'Empty'
    group.transition('PreparingRebalance', this.scheduler.now())
    group.rebalanceTimer?.cancel()
    const timeout = group.maxRebalanceTimeoutMs()
    const delay = this.config.initialRebalanceDelayMs
    if (wasEmpty && delay > 0) {
      // group.initial.rebalance.delay.ms: let more members of a starting group join before the
      // first generation; each new member buys another delay, up to the rebalance timeout.
      group.initialDelayDeadline = this.scheduler.now() + timeout
      group.joinedDuringDelay = false
      const tick = (): void => {
        const remaining = group.initialDelayDeadline - this.scheduler.now()
        if (group.joinedDuringDelay && remaining > 0) {
          group.joinedDuringDelay = false
          group.rebalanceTimer = this.scheduler.schedule(Math.min(delay, remaining), tick)
          return
        }
        group.initialDelayDeadline = -1
        this.completeJoin(group)
      }
      group.rebalanceTimer = this.scheduler.schedule(Math.min(delay, timeout), tick)
    } else {
      group.initialDelayDeadline = -1
      group.rebalanceTimer = this.scheduler.schedule(timeout, () => this.completeJoin(group))
    }
  }

  protected checkJoinComplete(group: Group): void {
    if (
      group.state === 'PreparingRebalance' &&
      group.initialDelayDeadline < 0 &&
      group.allMembersJoined()
    ) {
      this.completeJoin(group)
    }
  }

  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return
    group.rebalanceTimer?.cancel()
    group.rebalanceTimer = null
    group.initialDelayDeadline = -1
    // Members that did not rejoin within the rebalance timeout are out of the new generation.
    for (const m of [...group.members.values()]) {
      if (m.awaitingJoin === null) this.removeMember(group, m, ErrorCode.UNKNOWN_MEMBER_ID)
    }
    const now = this.scheduler.now()
    group.generationId++
    if (group.members.size === 0) {
      group.protocolName = null
      group.leaderId = null
      group.transition('Empty', now)
      this.persistGroup(group).catch((err: unknown) =>
        this.log('warn', 'could not store empty group', { group: group.groupId, error: err }),
      )
      return
    }
    group.protocolName = group.selectProtocol()
    if (group.leaderId === null || !group.members.has(group.leaderId)) {
      group.leaderId = group.members.keys().next().value ?? null
    }
    group.transition('CompletingRebalance', now)
    for (const m of group.members.values()) {
      const resolve = m.awaitingJoin
      m.awaitingJoin = null
      m.isNew = false
      this.scheduleHeartbeat(group, m)
      resolve?.(this.currentJoinResult(group, m))
    }
  }

  syncGroup(p: SyncParams): Promise<SyncResult> {
    if (!this.ownsGroup(p.groupId)) return Promise.resolve(syncError(ErrorCode.NOT_COORDINATOR))
    const group = this.groups.get(p.groupId)
    if (group === undefined) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID))
    if (group.state === 'Dead')
      return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE))
    if (this.isFenced(group, p.memberId, p.groupInstanceId)) {
      return Promise.resolve(syncError(ErrorCode.FENCED_INSTANCE_ID))
    }
    const member = group.members.get(p.memberId)
    if (member === undefined) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID))
    if (p.generationId !== group.generationId) {
      return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION))
    }
    if (
      (p.protocolType !== null && p.protocolType !== group.protocolType) ||
      (p.protocolName !== null && p.protocolName !== group.protocolName)
    ) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL))
    }
    switch (group.state) {
      case 'PreparingRebalance':
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS))
      case 'Stable':
        this.scheduleHeartbeat(group, member)
        return Promise.resolve(this.syncResult(group, member))
      case 'CompletingRebalance': {
        const result = new Promise<SyncResult>((resolve) => {
          member.awaitingSync?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS))
          member.awaitingSync = resolve
        })
        this.scheduleHeartbeat(group, member)
        if (member.memberId === group.leaderId) this.completeSync(group, p.assignments)
        return result
      }
      default:
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID))
    }
  }

  private completeSync(group: Group, assignments: SyncParams['assignments']): void {
    const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]))
    for (const m of group.members.values()) m.assignment = byMember.get(m.memberId) ?? EMPTY
    const generation = group.generationId
    const current = (): boolean =>
      group.state === 'CompletingRebalance' && group.generationId === generation
    // The assignment is stored before anyone sees it, so a restarted broker knows the generation.
    this.persistGroup(group).then(
      () => {
        if (!current()) return
        group.transition('Stable', this.scheduler.now())
        for (const m of group.members.values()) {
          const resolve = m.awaitingSync
          m.awaitingSync = null
          resolve?.(this.syncResult(group, m))
        }
      },
      (err: unknown) => {
        this.log('warn', 'could not store group assignment', { group: group.groupId, error: err })
        if (!current()) return
        for (const m of group.members.values()) {
          m.assignment = EMPTY
          m.awaitingSync?.(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE))
          m.awaitingSync = null
        }
        this.prepareRebalance(group)
      },
    )
  }

  private syncResult(group: Group, member: Member): SyncResult {
    return {
      errorCode: ErrorCode.NONE,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      assignment: member.assignment,
    }
  }

  heartbeat(
    groupId: string,
    generationId: number,
    memberId: string,
    groupInstanceId: string | null,
  ): number {
    if (!this.ownsGroup(groupId)) return ErrorCode.NOT_COORDINATOR
    const group = this.groups.get(groupId)
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if (this.isFenced(group, memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID
    const member = group.members.get(memberId)
    if (member === undefined || group.state === 'Empty') return ErrorCode.UNKNOWN_MEMBER_ID
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    this.scheduleHeartbeat(group, member)
    return group.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE
  }

  leaveGroup(groupId: string, members: readonly MemberRef[]): LeaveResult {
    if (!this.ownsGroup(groupId)) {
      const code = ErrorCode.NOT_COORDINATOR
      return { errorCode: code, members: members.map((m) => ({ ...m, errorCode: code })) }
    }
    const group = this.groups.get(groupId)
    if (group === undefined || group.state === 'Dead') {
      const code =
        group === undefined ? ErrorCode.UNKNOWN_MEMBER_ID : ErrorCode.COORDINATOR_NOT_AVAILABLE
      return { errorCode: code, members: members.map((m) => ({ ...m, errorCode: code })) }
    }
    const results = members.map((ref) => ({ ...ref, errorCode: this.leaveOne(group, ref) }))
    return { errorCode: ErrorCode.NONE, members: results }
  }

  private leaveOne(group: Group, ref: MemberRef): number {
    let memberId = ref.memberId
    if (ref.groupInstanceId !== null) {
      const current = group.staticMembers.get(ref.groupInstanceId)
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
      if (memberId !== '' && current !== memberId) return ErrorCode.FENCED_INSTANCE_ID
      memberId = current
    }
    const pending = group.pendingMembers.get(memberId)
    if (pending !== undefined) {
      pending.cancel()
      group.pendingMembers.delete(memberId)
      this.checkJoinComplete(group)
      return ErrorCode.NONE
    }
    const member = group.members.get(memberId)
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
    this.removeMemberAndUpdateGroup(group, member)
    return ErrorCode.NONE
  }

  /** A static member whose instance id now belongs to another member id is fenced. */
  protected isFenced(group: Group, memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false
    const current = group.staticMembers.get(groupInstanceId)
    return current !== undefined && current !== memberId
  }

  protected scheduleHeartbeat(group: Group, member: Member): void {
    member.heartbeat?.cancel()
    member.heartbeat = this.scheduler.schedule(member.sessionTimeoutMs, () => {
      if (group.members.get(member.memberId) !== member) return
      // A member parked in a join or sync is alive by definition (its request is in flight).
      if (member.awaitingJoin !== null || member.awaitingSync !== null) {
        this.scheduleHeartbeat(group, member)
        return
      }
      this.log('info', 'member session expired', { group: group.groupId, member: member.memberId })
      this.removeMemberAndUpdateGroup(group, member)
    })
  }

  private removeMember(group: Group, member: Member, code: number): void {
    member.heartbeat?.cancel()
    member.heartbeat = null
    group.members.delete(member.memberId)
    if (
      member.groupInstanceId !== null &&
      group.staticMembers.get(member.groupInstanceId) === member.memberId
    ) {
      group.staticMembers.delete(member.groupInstanceId)
    }
    if (group.leaderId === member.memberId) {
      group.leaderId = group.members.keys().next().value ?? null
    }
    member.awaitingJoin?.(joinError(code, member.memberId))
    member.awaitingJoin = null
    member.awaitingSync?.(syncError(code))
    member.awaitingSync = null
  }

  protected removeMemberAndUpdateGroup(group: Group, member: Member): void {
    this.removeMember(group, member, ErrorCode.UNKNOWN_MEMBER_ID)
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') {
      this.prepareRebalance(group)
      this.checkJoinComplete(group)
    } else if (group.state === 'PreparingRebalance') {
      this.checkJoinComplete(group)
    }
  }

  /** Writes the group metadata record (generation, protocol, members and assignments). */
  protected persistGroup(group: Group): Promise<void> {
    const protocol = group.protocolName
    const value = encodeGroupValue({
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol,
      leader: group.leaderId,
      currentStateTimestamp: group.stateTimestamp,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: protocol === null ? EMPTY : m.metadataFor(protocol),
        assignment: m.assignment,
      })),
    })
    return this.store.append(group.groupId, [{ key: encodeGroupKey(group.groupId), value }])
  }

  /** Cancels every timer (broker shutdown); parked joins and syncs are told to retry. */
  protected stopTimers(): void {
    for (const group of this.groups.values())
      this.stopGroupTimers(group, ErrorCode.COORDINATOR_NOT_AVAILABLE)
  }

  /** Cancels one group's timers and answers its parked joins and syncs with `code`. */
  protected stopGroupTimers(group: Group, code: number): void {
    group.rebalanceTimer?.cancel()
    for (const t of group.pendingMembers.values()) t.cancel()
    for (const m of group.members.values()) {
      m.heartbeat?.cancel()
      m.awaitingJoin?.(joinError(code, m.memberId))
      m.awaitingJoin = null
      m.awaitingSync?.(syncError(code))
      m.awaitingSync = null
    }
  }
}

export function joinError(errorCode: number, memberId: string): JoinResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    memberId,
    members: [],
  }
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY }
}
