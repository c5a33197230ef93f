// The group coordinator service: membership (membership.ts) plus committed offsets, the admin
// operations (describe, list, delete groups, delete offsets), offset expiry and the load of the
// durable state from __consumer_offsets at start-up. Handlers call it and map results to wire
// responses; everything that must be durable is appended before the caller hears success.

import { ErrorCode, KafkaError, errorCodeOf } from '../protocol/errors.js'
import { Group, Member, offsetKey } from './group.js'
import type { GroupState } from './group.js'
import type { GroupLog, KeyValue } from './group-log.js'
import { GroupMembership, DEFAULT_GROUP_CONFIG } from './membership.js'
import type { GroupConfig } from './membership.js'
import {
  decodeGroupValue,
  decodeKey,
  decodeOffsetValue,
  encodeGroupKey,
  encodeOffsetKey,
  encodeOffsetValue,
} from './records.js'
import type { StoredGroup, StoredOffset } from './records.js'
import { realScheduler } from './scheduler.js'
import type { Scheduler, TimerHandle } from './scheduler.js'
import type { LogFn } from '../log-fn.js'

export interface CommitPartition {
  partitionIndex: number
  committedOffset: number
  committedLeaderEpoch: number
  committedMetadata: string | null
}

export interface CommitParams {
  groupId: string
  /** -1 with an empty member id: a commit from outside group management (simple consumer). */
  generationId: number
  memberId: string
  groupInstanceId: string | null
  topics: { name: string; partitions: CommitPartition[] }[]
}

export interface TopicResult<P> {
  name: string
  partitions: P[]
}

export interface PartitionError {
  partitionIndex: number
  errorCode: number
}

export interface FetchedOffset {
  partitionIndex: number
  committedOffset: number
  committedLeaderEpoch: number
  metadata: string
  errorCode: number
}

export interface GroupDescription {
  errorCode: number
  groupId: string
  groupState: string
  protocolType: string
  protocolData: string
  members: {
    memberId: string
    groupInstanceId: string | null
    clientId: string
    clientHost: string
    memberMetadata: Buffer
    memberAssignment: Buffer
  }[]
}

export interface CoordinatorOptions {
  store: GroupLog
  config?: Partial<GroupConfig>
  scheduler?: Scheduler
  /** Whether a topic partition exists (commits to unknown partitions are refused). */
  partitionExists?: (topic: string, partition: number) => boolean
  log?: LogFn
}

const EMPTY = Buffer.alloc(0)

export class GroupCoordinator extends GroupMembership {
  private readonly partitionExists: (topic: string, partition: number) => boolean
  private expiryTimer: TimerHandle | null = null
  private closed = false

  constructor(options: CoordinatorOptions) {
    super(
      { ...DEFAULT_GROUP_CONFIG, ...options.config },
      options.store,
      options.scheduler ?? realScheduler,
      options.log,
    )
    this.partitionExists = options.partitionExists ?? (() => true)
  }

  /** Starts the periodic offset expiry. */
  start(): void {
    const tick = (): void => {
      if (this.closed) return
      this.expireOffsets().catch((err: unknown) =>
        this.log('warn', 'offset expiry failed', { error: err }),
      )
      this.expiryTimer = this.scheduler.schedule(this.config.offsetsRetentionCheckIntervalMs, tick)
    }
    this.expiryTimer = this.scheduler.schedule(this.config.offsetsRetentionCheckIntervalMs, tick)
  }

  close(): void {
    this.closed = true
    this.expiryTimer?.cancel()
    this.stopTimers()
  }

  // ---- offsets ------------------------------------------------------------------------------

  async commitOffsets(p: CommitParams): Promise<TopicResult<PartitionError>[]> {
    const all = (code: number): TopicResult<PartitionError>[] =>
      p.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((x) => ({
          partitionIndex: x.partitionIndex,
          errorCode: code,
        })),
      }))
    if (p.groupId === '') return all(ErrorCode.INVALID_GROUP_ID)
    if (!this.ownsGroup(p.groupId)) return all(ErrorCode.NOT_COORDINATOR)
    let group = this.groups.get(p.groupId)
    if (group === undefined) {
      if (p.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION)
      group = new Group(p.groupId, this.scheduler.now())
      this.groups.set(p.groupId, group)
    } else {
      const code = this.commitCheck(group, p)
      if (code !== ErrorCode.NONE) return all(code)
    }
    const now = this.scheduler.now()
    const records: KeyValue[] = []
    const accepted: { topic: string; partition: number; value: StoredOffset }[] = []
    const results = p.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((x) => {
        let errorCode: number = ErrorCode.NONE
        const metadata = x.committedMetadata ?? ''
        if (Buffer.byteLength(metadata, 'utf8') > this.config.maxMetadataBytes) {
          errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE
        } else if (!this.partitionExists(t.name, x.partitionIndex)) {
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        } else {
          const value: StoredOffset = {
            offset: x.committedOffset,
            leaderEpoch: x.committedLeaderEpoch,
            metadata,
            commitTimestamp: now,
          }
          records.push({
            key: encodeOffsetKey(p.groupId, t.name, x.partitionIndex),
            value: encodeOffsetValue(value),
          })
          accepted.push({ topic: t.name, partition: x.partitionIndex, value })
        }
        return { partitionIndex: x.partitionIndex, errorCode }
      }),
    }))
    if (records.length === 0) return results
    try {
      await this.store.append(p.groupId, records)
    } catch (err) {
      const code = storeErrorCode(err)
      for (const t of results)
        for (const x of t.partitions) if (x.errorCode === ErrorCode.NONE) x.errorCode = code
      return results
    }
    const target = this.groups.get(p.groupId) ?? group
    for (const a of accepted) target.offsets.set(offsetKey(a.topic, a.partition), a.value)
    if (!this.groups.has(p.groupId)) this.groups.set(p.groupId, target)
    return results
  }

  private commitCheck(group: Group, p: CommitParams): number {
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if (p.generationId < 0 && group.state === 'Empty') return ErrorCode.NONE
    if (this.isFenced(group, p.memberId, p.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID
    if (group.pendingMembers.has(p.memberId)) return ErrorCode.REBALANCE_IN_PROGRESS
    const member = group.members.get(p.memberId)
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID
    if (p.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS
    this.scheduleHeartbeat(group, member)
    return ErrorCode.NONE
  }

  /** Committed offsets; topics null = every partition the group has an offset for. */
  fetchOffsets(
    groupId: string,
    topics: { name: string; partitionIndexes: number[] }[] | null,
  ): { errorCode: number; topics: TopicResult<FetchedOffset>[] } {
    if (!this.ownsGroup(groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, topics: [] }
    const group = this.groups.get(groupId)
    if (group?.state === 'Dead')
      return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] }
    const found = (topic: string, partition: number): FetchedOffset => {
      const o = group?.offsets.get(offsetKey(topic, partition))
      return {
        partitionIndex: partition,
        committedOffset: o?.offset ?? -1,
        committedLeaderEpoch: o?.leaderEpoch ?? -1,
        metadata: o?.metadata ?? '',
        errorCode: ErrorCode.NONE,
      }
    }
    if (topics !== null) {
      return {
        errorCode: ErrorCode.NONE,
        topics: topics.map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((p) => found(t.name, p)),
        })),
      }
    }
    const byTopic = new Map<string, FetchedOffset[]>()
    for (const key of group?.offsets.keys() ?? []) {
      const colon = key.indexOf(':')
      const partition = Number(key.slice(0, colon))
      const topic = key.slice(colon + 1)
      let list = byTopic.get(topic)
      if (list === undefined) byTopic.set(topic, (list = []))
      list.push(found(topic, partition))
    }
    const out = [...byTopic].map(([name, partitions]) => ({
      name,
      partitions: partitions.sort((a, b) => a.partitionIndex - b.partitionIndex),
    }))
    return { errorCode: ErrorCode.NONE, topics: out }
  }

  /** OffsetDelete: only offsets of topics the group does not consume (or of an empty group). */
  async deleteOffsets(
    groupId: string,
    topics: { name: string; partitions: number[] }[],
  ): Promise<{ errorCode: number; topics: TopicResult<PartitionError>[] }> {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] }
    if (!this.ownsGroup(groupId)) return { errorCode: ErrorCode.NOT_COORDINATOR, topics: [] }
    const group = this.groups.get(groupId)
    if (group === undefined || group.state === 'Dead') {
      return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] }
    }
    let subscribed: Set<string> | null = new Set()
    if (group.state !== 'Empty') {
      subscribed = group.subscribedTopics()
      if (subscribed === null) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] }
    }
    const records: KeyValue[] = []
    const removed: string[] = []
    const results = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partitionIndex) => {
        if (subscribed?.has(t.name) === true) {
          return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC }
        }
        const key = offsetKey(t.name, partitionIndex)
        if (group.offsets.has(key)) {
          records.push({ key: encodeOffsetKey(groupId, t.name, partitionIndex), value: null })
          removed.push(key)
        }
        return { partitionIndex, errorCode: ErrorCode.NONE as number }
      }),
    }))
    if (records.length > 0) {
      try {
        await this.store.append(groupId, records)
      } catch (err) {
        return { errorCode: storeErrorCode(err), topics: [] }
      }
      for (const k of removed) group.offsets.delete(k)
    }
    return { errorCode: ErrorCode.NONE, topics: results }
  }

  /** Every committed offset (consumer lag metrics). */
  *committedOffsets(): Iterable<{
    group: string
    topic: string
    partition: number
    offset: number
  }> {
    for (const g of this.groups.values()) {
      for (const [key, o] of g.offsets) {
        const colon = key.indexOf(':')
        yield {
          group: g.groupId,
          topic: key.slice(colon + 1),
          partition: Number(key.slice(0, colon)),
          offset: o.offset,
        }
      }
    }
  }

  // ---- admin --------------------------------------------------------------------------------

  describeGroup(groupId: string): GroupDescription {
    const group = this.groups.get(groupId)
    const owned = this.ownsGroup(groupId)
    if (group === undefined || group.state === 'Dead' || !owned) {
      return {
        errorCode: owned ? ErrorCode.NONE : ErrorCode.NOT_COORDINATOR,
        groupId,
        groupState: 'Dead',
        protocolType: '',
        protocolData: '',
        members: [],
      }
    }
    const stable = group.state === 'Stable'
    const protocol = group.protocolName ?? ''
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? protocol : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadataFor(protocol) : EMPTY,
        memberAssignment: stable ? m.assignment : EMPTY,
      })),
    }
  }

  /** Groups, optionally only those in the given states (case-insensitive, KIP-518). */
  listGroups(
    states: readonly string[] = [],
  ): { groupId: string; protocolType: string; state: GroupState }[] {
    const wanted = new Set(states.map((s) => s.toLowerCase()))
    const out: { groupId: string; protocolType: string; state: GroupState }[] = []
    for (const g of this.groups.values()) {
      if (g.state === 'Dead') continue
      if (wanted.size > 0 && !wanted.has(g.state.toLowerCase())) continue
      out.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state })
    }
    return out
  }

  async deleteGroups(
    groupIds: readonly string[],
  ): Promise<{ groupId: string; errorCode: number }[]> {
    const out: { groupId: string; errorCode: number }[] = []
    for (const groupId of groupIds)
      out.push({ groupId, errorCode: await this.deleteGroup(groupId) })
    return out
  }

  private async deleteGroup(groupId: string): Promise<number> {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID
    if (!this.ownsGroup(groupId)) return ErrorCode.NOT_COORDINATOR
    const group = this.groups.get(groupId)
    if (group === undefined || group.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND
    if (group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP
    try {
      await this.removeGroup(group)
    } catch (err) {
      return storeErrorCode(err)
    }
    return ErrorCode.NONE
  }

  /** Tombstones for the group's offsets and metadata, then the group is gone. */
  private async removeGroup(group: Group): Promise<void> {
    const records: KeyValue[] = []
    for (const key of group.offsets.keys()) {
      const colon = key.indexOf(':')
      records.push({
        key: encodeOffsetKey(group.groupId, key.slice(colon + 1), Number(key.slice(0, colon))),
        value: null,
      })
    }
    records.push({ key: encodeGroupKey(group.groupId), value: null })
    await this.store.append(group.groupId, records)
    group.transition('Dead', this.scheduler.now())
    for (const t of group.pendingMembers.values()) t.cancel()
    group.rebalanceTimer?.cancel()
    if (this.groups.get(group.groupId) === group) this.groups.delete(group.groupId)
  }

  /**
   * offsets.retention.minutes: an empty group's offsets expire that long after it became empty; a
   * simple consumer's offsets (no protocol) that long after their commit; a stable consumer
   * group's offsets of topics nobody subscribes to that long after their commit.
   */
  async expireOffsets(): Promise<number> {
    const now = this.scheduler.now()
    const retention = this.config.offsetsRetentionMs
    let expired = 0
    for (const group of [...this.groups.values()]) {
      let base: ((o: StoredOffset) => number) | null = null
      let subscribed: Set<string> | null = null
      if (group.protocolType === null || group.protocolType === '') {
        if (group.state === 'Empty') base = (o) => o.commitTimestamp
      } else if (group.state === 'Empty') {
        base = () => group.stateTimestamp
      } else if (group.state === 'Stable') {
        subscribed = group.subscribedTopics()
        if (subscribed !== null) base = (o) => o.commitTimestamp
      }
      if (base === null) continue
      const keys: string[] = []
      for (const [key, o] of group.offsets) {
        if (subscribed?.has(key.slice(key.indexOf(':') + 1)) === true) continue
        if (base(o) + retention <= now) keys.push(key)
      }
      if (keys.length > 0) {
        const records = keys.map((key) => {
          const colon = key.indexOf(':')
          const topic = key.slice(colon + 1)
          return {
            key: encodeOffsetKey(group.groupId, topic, Number(key.slice(0, colon))),
            value: null,
          }
        })
        await this.store.append(group.groupId, records)
        for (const k of keys) group.offsets.delete(k)
        expired += keys.length
      }
      if (group.state === 'Empty' && group.offsets.size === 0 && group.pendingMembers.size === 0) {
        await this.removeGroup(group)
      }
    }
    if (expired > 0) this.log('info', 'expired committed offsets', { count: expired })
    return expired
  }

  // ---- load ---------------------------------------------------------------------------------

  /**
   * Forgets the groups `belongs` selects (cluster mode: this broker lost the leadership of their
   * __consumer_offsets partition); parked joins and syncs are told to find the new coordinator.
   */
  unload(belongs: (groupId: string) => boolean): number {
    let n = 0
    for (const [groupId, group] of this.groups) {
      if (!belongs(groupId)) continue
      this.stopGroupTimers(group, ErrorCode.NOT_COORDINATOR)
      this.groups.delete(groupId)
      n++
    }
    return n
  }

  /**
   * Rebuilds groups from the records of __consumer_offsets in log order (later records win, a
   * null value deletes). Members of a stored generation get a fresh session to heartbeat in.
   */
  load(records: Iterable<{ key: Buffer | null; value: Buffer | null }>): void {
    const offsets = new Map<string, Map<string, StoredOffset>>()
    const metas = new Map<string, StoredGroup | null>()
    for (const { key, value } of records) {
      if (key === null) continue
      let k
      try {
        k = decodeKey(key)
      } catch (err) {
        this.log('warn', 'skipping unreadable __consumer_offsets key', { error: err })
        continue
      }
      if (k === null) continue
      try {
        if (k.kind === 'offset') {
          let m = offsets.get(k.group)
          if (m === undefined) offsets.set(k.group, (m = new Map()))
          const ok = offsetKey(k.topic, k.partition)
          if (value === null) m.delete(ok)
          else m.set(ok, decodeOffsetValue(value))
        } else {
          metas.set(k.group, value === null ? null : decodeGroupValue(value))
        }
      } catch (err) {
        this.log('warn', 'skipping unreadable __consumer_offsets value', {
          group: k.group,
          error: err,
        })
      }
    }
    const now = this.scheduler.now()
    const ids = new Set([...offsets.keys(), ...metas.keys()])
    for (const groupId of ids) {
      const meta = metas.get(groupId) ?? null
      const groupOffsets = offsets.get(groupId)
      if (meta === null && (groupOffsets === undefined || groupOffsets.size === 0)) continue
      const group = new Group(groupId, now)
      for (const [k, v] of groupOffsets ?? []) group.offsets.set(k, v)
      if (meta !== null) this.restoreMetadata(group, meta, now)
      this.groups.set(groupId, group)
    }
  }

  private restoreMetadata(group: Group, meta: StoredGroup, now: number): void {
    group.generationId = meta.generation
    group.protocolType = meta.protocolType === '' ? null : meta.protocolType
    group.protocolName = meta.protocol
    group.leaderId = meta.leader
    if (meta.members.length === 0 || meta.protocol === null) {
      group.transition('Empty', meta.currentStateTimestamp >= 0 ? meta.currentStateTimestamp : now)
      group.protocolName = null
      group.leaderId = null
      return
    }
    for (const sm of meta.members) {
      const m = new Member(
        sm.memberId,
        sm.groupInstanceId,
        sm.clientId,
        sm.clientHost,
        sm.sessionTimeoutMs,
        sm.rebalanceTimeoutMs,
        meta.protocolType,
        [{ name: meta.protocol, metadata: sm.subscription }],
      )
      m.assignment = sm.assignment
      group.members.set(m.memberId, m)
      if (m.groupInstanceId !== null) group.staticMembers.set(m.groupInstanceId, m.memberId)
    }
    group.transition('Stable', now)
    for (const m of group.members.values()) this.scheduleHeartbeat(group, m)
  }
}

/** Kafka's mapping of append failures to what an offsets client understands. */
function storeErrorCode(err: unknown): number {
  const code = errorCodeOf(err)
  if (err instanceof KafkaError) {
    switch (err.errorName) {
      case 'MESSAGE_TOO_LARGE':
      case 'RECORD_LIST_TOO_LARGE':
      case 'INVALID_FETCH_SIZE':
        return ErrorCode.INVALID_COMMIT_OFFSET_SIZE
      case 'NOT_LEADER_OR_FOLLOWER':
      case 'KAFKA_STORAGE_ERROR':
        return ErrorCode.NOT_COORDINATOR
      case 'COORDINATOR_NOT_AVAILABLE':
        return code
      default:
        return ErrorCode.COORDINATOR_NOT_AVAILABLE
    }
  }
  return ErrorCode.COORDINATOR_NOT_AVAILABLE
}
