// One broker's view of the cluster: live brokers, the controller id, topics, partition states and
// offline replicas, cached from etcd watches (brokers/, topics/, partitions/, offline/,
// controller). Readers (Metadata, FindCoordinator, the data plane) are synchronous against the
// cache. Writes that this broker makes (alterIsr, topic creation) are applied to the cache as soon
// as etcd accepted them, so the broker reads its own writes; the watch event for the same
// revision is then ignored.

import { KafkaError } from '../protocol/errors.js'
import type { EtcdStore, StoredKv } from './etcd-store.js'
import { OFFLINE, OfflineReplicas } from './offline-replicas.js'
import type { BrokerInfo, ClusterControl, PartitionState } from './types.js'
import type { LogFn } from '../log-fn.js'

export interface TopicRecord {
  name: string
  topicId: string
  partitions: number
  configs: Record<string, string>
  /** etcd mod revision of topics/<name>. */
  version: number
}

export const BROKERS = 'brokers/'
export const TOPICS = 'topics/'
export const PARTITIONS = 'partitions/'
export const CONTROLLER = 'controller'

export function partitionKey(topic: string, partition: number): string {
  return `${PARTITIONS}${topic}/${partition}`
}

/** The stored JSON of a partition state: everything but the version (the mod revision is it). */
export function encodeState(s: Omit<PartitionState, 'version'>): string {
  const adding = s.addingReplicas ?? []
  const removing = s.removingReplicas ?? []
  return JSON.stringify({
    topic: s.topic,
    partition: s.partition,
    replicas: s.replicas,
    leader: s.leader,
    leaderEpoch: s.leaderEpoch,
    isr: s.isr,
    // Only while a reassignment runs: states without one stay as they always were.
    ...(adding.length > 0 || removing.length > 0
      ? { addingReplicas: adding, removingReplicas: removing }
      : {}),
  })
}

export function decodeState(kv: StoredKv): PartitionState | null {
  try {
    const v = JSON.parse(kv.value) as Omit<PartitionState, 'version'>
    return { ...v, version: kv.version }
  } catch {
    return null
  }
}

function decodeTopic(kv: StoredKv): TopicRecord | null {
  try {
    const v = JSON.parse(kv.value) as Omit<TopicRecord, 'version' | 'name'>
    return { ...v, name: kv.key.slice(TOPICS.length), version: kv.version }
  } catch {
    return null
  }
}

type Listener<A extends unknown[]> = (...args: A) => void

export class ClusterView implements ClusterControl {
  private readonly brokerMap = new Map<number, BrokerInfo>()
  private readonly topicMap = new Map<string, TopicRecord>()
  private readonly states = new Map<string, PartitionState>()
  private controller = -1
  private readonly stateListeners: Listener<[PartitionState]>[] = []
  private readonly stateRemovedListeners: Listener<[string, number]>[] = []
  private readonly topicListeners: Listener<[string, TopicRecord | undefined]>[] = []
  private readonly brokerListeners: Listener<[BrokerInfo[], number[]]>[] = []
  private readonly controllerListeners: Listener<[number]>[] = []
  private readonly cancels: Array<() => Promise<void>> = []
  readonly offline: OfflineReplicas

  constructor(
    readonly store: EtcdStore,
    readonly nodeId: number,
    private readonly log: LogFn = () => undefined,
  ) {
    this.offline = new OfflineReplicas(log)
  }

  /** Loads everything and starts the watches. */
  async start(): Promise<void> {
    this.cancels.push(
      await this.store.watchPrefix(BROKERS, {
        snapshot: (kvs) => {
          const next = new Map<number, BrokerInfo>()
          for (const kv of kvs) {
            const b = this.decodeBroker(kv)
            if (b !== null) next.set(b.nodeId, b)
          }
          const added = [...next.values()].filter((b) => !this.brokerMap.has(b.nodeId))
          const removed = [...this.brokerMap.keys()].filter((id) => !next.has(id))
          this.brokerMap.clear()
          for (const [id, b] of next) this.brokerMap.set(id, b)
          if (added.length > 0 || removed.length > 0) this.emitBrokers(added, removed)
        },
        put: (kv) => {
          const b = this.decodeBroker(kv)
          if (b === null) return
          const isNew = !this.brokerMap.has(b.nodeId)
          this.brokerMap.set(b.nodeId, b)
          this.emitBrokers(isNew ? [b] : [], [])
        },
        delete: (key) => {
          const id = Number(key.slice(BROKERS.length))
          if (this.brokerMap.delete(id)) this.emitBrokers([], [id])
        },
      }),
    )
    this.cancels.push(
      await this.store.watchPrefix(TOPICS, {
        snapshot: (kvs, revision) => {
          const seen = new Set<string>()
          for (const kv of kvs) {
            const t = decodeTopic(kv)
            if (t === null) continue
            seen.add(t.name)
            this.applyTopic(t)
          }
          for (const name of [...this.topicMap.keys()])
            if (!seen.has(name)) this.removeTopic(name, revision)
        },
        put: (kv) => {
          const t = decodeTopic(kv)
          if (t !== null) this.applyTopic(t)
        },
        delete: (key, revision) => this.removeTopic(key.slice(TOPICS.length), revision),
      }),
    )
    this.cancels.push(
      await this.store.watchPrefix(PARTITIONS, {
        snapshot: (kvs) => {
          const seen = new Set<string>()
          for (const kv of kvs) {
            const s = decodeState(kv)
            if (s === null) continue
            seen.add(`${s.topic}/${s.partition}`)
            this.applyState(s)
          }
          for (const [k, s] of [...this.states]) {
            if (!seen.has(k)) this.removeState(s.topic, s.partition)
          }
        },
        put: (kv) => {
          const s = decodeState(kv)
          if (s !== null) this.applyState(s)
        },
        delete: (key) => {
          const rest = key.slice(PARTITIONS.length)
          const slash = rest.lastIndexOf('/')
          this.removeState(rest.slice(0, slash), Number(rest.slice(slash + 1)))
        },
      }),
    )
    this.cancels.push(await this.store.watchPrefix(OFFLINE, this.offline.watchHandlers()))
    this.cancels.push(
      await this.store.watchPrefix(CONTROLLER, {
        snapshot: (kvs) => {
          const kv = kvs.find((x) => x.key === CONTROLLER)
          this.setController(kv === undefined ? -1 : Number(kv.value))
        },
        put: (kv) => {
          if (kv.key === CONTROLLER) this.setController(Number(kv.value))
        },
        delete: (key) => {
          if (key === CONTROLLER) this.setController(-1)
        },
      }),
    )
  }

  async close(): Promise<void> {
    for (const c of this.cancels.splice(0)) await c().catch(() => undefined)
  }

  private decodeBroker(kv: StoredKv): BrokerInfo | null {
    try {
      return JSON.parse(kv.value) as BrokerInfo
    } catch {
      this.log('warn', 'unreadable broker registration in etcd', { key: kv.key })
      return null
    }
  }

  // ---- ClusterControl ----

  brokers(): BrokerInfo[] {
    return [...this.brokerMap.values()].sort((a, b) => a.nodeId - b.nodeId)
  }

  broker(nodeId: number): BrokerInfo | undefined {
    return this.brokerMap.get(nodeId)
  }

  isLive(nodeId: number): boolean {
    return this.brokerMap.has(nodeId)
  }

  partitionState(topic: string, partition: number): PartitionState | undefined {
    return this.states.get(`${topic}/${partition}`)
  }

  allPartitionStates(): PartitionState[] {
    return [...this.states.values()]
  }

  onPartitionState(listener: (state: PartitionState) => void): void {
    this.stateListeners.push(listener)
  }

  controllerId(): number {
    return this.controller
  }

  async alterIsr(
    topic: string,
    partition: number,
    leaderEpoch: number,
    isr: number[],
    expectedVersion: number,
  ): Promise<PartitionState> {
    const where = `${topic}-${partition}`
    if (!this.store.sessionAlive)
      throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `${where}: this broker's session is not live`)
    let current = this.partitionState(topic, partition)
    if (current === undefined || current.version !== expectedVersion) {
      const kv = await this.store.get(partitionKey(topic, partition))
      current = kv === undefined ? undefined : (decodeState(kv) ?? undefined)
      if (current !== undefined) this.applyState(current)
    }
    if (current === undefined)
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${where} does not exist`)
    if (leaderEpoch < current.leaderEpoch)
      throw new KafkaError(
        'FENCED_LEADER_EPOCH',
        `${where}: epoch ${leaderEpoch} < current ${current.leaderEpoch}`,
      )
    if (current.leader !== this.nodeId || leaderEpoch !== current.leaderEpoch)
      throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `${where}: leader is ${current.leader}`)
    if (current.version !== expectedVersion)
      throw new KafkaError(
        'NOT_LEADER_OR_FOLLOWER',
        `${where}: state version ${current.version}, expected ${expectedVersion}`,
      )
    if (
      isr.length === 0 ||
      !isr.includes(this.nodeId) ||
      isr.some((b) => !current.replicas.includes(b))
    )
      throw new KafkaError('INVALID_REQUEST', `${where}: ISR [${isr.join(',')}] is not valid`)
    const next = { ...current, isr: [...isr] }
    const version = await this.store.cas(
      partitionKey(topic, partition),
      encodeState(next),
      expectedVersion,
    )
    if (version === null) {
      const kv = await this.store.get(partitionKey(topic, partition))
      const now = kv === undefined ? undefined : decodeState(kv)
      if (now !== undefined && now !== null) {
        this.applyState(now)
        if (now.leaderEpoch > leaderEpoch)
          throw new KafkaError('FENCED_LEADER_EPOCH', `${where}: epoch is now ${now.leaderEpoch}`)
      }
      throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `${where}: concurrent state change`)
    }
    const applied = { ...next, version }
    this.applyState(applied)
    return applied
  }

  // ---- topics and events for the rest of the control plane ----

  topic(name: string): TopicRecord | undefined {
    return this.topicMap.get(name)
  }

  topics(): TopicRecord[] {
    return [...this.topicMap.values()]
  }

  onTopic(listener: (name: string, record: TopicRecord | undefined) => void): void {
    this.topicListeners.push(listener)
  }

  onPartitionRemoved(listener: (topic: string, partition: number) => void): void {
    this.stateRemovedListeners.push(listener)
  }

  /** added = brokers that registered, removed = node ids whose registration disappeared. */
  onBrokers(listener: (added: BrokerInfo[], removed: number[]) => void): void {
    this.brokerListeners.push(listener)
  }

  onController(listener: (controllerId: number) => void): void {
    this.controllerListeners.push(listener)
  }

  /** This broker's own registration, known before its watch event arrives. */
  applyBroker(b: BrokerInfo): void {
    const isNew = !this.brokerMap.has(b.nodeId)
    this.brokerMap.set(b.nodeId, b)
    if (isNew) this.emitBrokers([b], [])
  }

  /** Applies a state read or written by this broker; ignored unless newer than the cache. */
  applyState(s: PartitionState): void {
    const key = `${s.topic}/${s.partition}`
    const old = this.states.get(key)
    if (old !== undefined && old.version >= s.version) return
    this.states.set(key, s)
    for (const fn of this.stateListeners) this.safe(() => fn(s))
  }

  applyTopic(t: TopicRecord): void {
    const old = this.topicMap.get(t.name)
    if (old !== undefined && old.version >= t.version) return
    this.topicMap.set(t.name, t)
    for (const fn of this.topicListeners) this.safe(() => fn(t.name, t))
  }

  /** Drops the topic and its partition states older than the deletion (`revision`). */
  removeTopic(name: string, revision: number): void {
    const old = this.topicMap.get(name)
    if (old === undefined || old.version >= revision) return
    this.topicMap.delete(name)
    for (const fn of this.topicListeners) this.safe(() => fn(name, undefined))
    for (const s of [...this.states.values()]) {
      // A same-named topic created after the delete may already have new states (another watch).
      if (s.topic === name && s.version < revision) this.removeState(s.topic, s.partition)
    }
  }

  private removeState(topic: string, partition: number): void {
    if (!this.states.delete(`${topic}/${partition}`)) return
    for (const fn of this.stateRemovedListeners) this.safe(() => fn(topic, partition))
  }

  private emitBrokers(added: BrokerInfo[], removed: number[]): void {
    for (const fn of this.brokerListeners) this.safe(() => fn(added, removed))
  }

  private setController(id: number): void {
    if (id === this.controller) return
    this.controller = Number.isInteger(id) ? id : -1
    for (const fn of this.controllerListeners) this.safe(() => fn(this.controller))
  }

  private safe(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.log('error', 'cluster listener failed', { error: (err as Error).message })
    }
  }
}
