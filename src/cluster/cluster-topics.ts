// Topic metadata in etcd, shaped like the single-node TopicStore so the TopicManager (validation,
// serialisation) works unchanged in cluster mode. Any broker may create a topic: the topic key is
// created only if absent, together with the partition states (replicas from the assignment,
// leader = replicas[0], ISR = all replicas: a new partition is empty, so every replica is in sync)
// in one transaction (partition states past the first 100 follow in further transactions: etcd
// takes 128 operations per transaction by default). Later changes CAS on the topic key's mod
// revision.

import { randomUUID } from 'node:crypto'
import { KafkaError } from '../protocol/errors.js'
import type { TopicInfo } from '../metadata/topic-store.js'
import { assignReplicas } from './assignment.js'
import { PARTITIONS, TOPICS, encodeState, partitionKey } from './cluster-view.js'
import type { ClusterView, TopicRecord } from './cluster-view.js'
import type { EtcdStore } from './etcd-store.js'
import type { PartitionState } from './types.js'
import type { LogFn } from '../log-fn.js'

export interface Placement {
  /** Default: the store's default replication factor. */
  replicationFactor?: number
  /** Manual assignment: replicas per partition, index = partition. */
  assignments?: number[][]
}

/** etcd refuses transactions above --max-txn-ops (128 by default): chunk the partition puts. */
const TXN_CHUNK = 100

function info(t: TopicRecord): TopicInfo {
  return { name: t.name, topicId: t.topicId, partitions: t.partitions, configs: { ...t.configs } }
}

function recordValue(t: Omit<TopicRecord, 'version' | 'name'>): string {
  return JSON.stringify({ topicId: t.topicId, partitions: t.partitions, configs: t.configs })
}

/** New partitions' states: leader = replicas[0], ISR = all replicas (every replica is empty). */
function newStates(
  topic: string,
  assignment: number[][],
  firstPartition: number,
): Omit<PartitionState, 'version'>[] {
  return assignment.map((replicas, i) => ({
    topic,
    partition: firstPartition + i,
    replicas,
    leader: replicas[0] ?? -1,
    leaderEpoch: 0,
    isr: [...replicas],
  }))
}

export class ClusterTopicStore {
  constructor(
    private readonly store: EtcdStore,
    private readonly view: ClusterView,
    private readonly defaultReplicationFactor: () => number,
    private readonly log: LogFn = () => undefined,
  ) {}

  get(name: string): TopicInfo | undefined {
    const t = this.view.topic(name)
    return t === undefined ? undefined : info(t)
  }

  list(): TopicInfo[] {
    return this.view.topics().map(info)
  }

  create(name: string, partitions: number, configs: Record<string, string>): Promise<TopicInfo> {
    return this.createPlaced(name, partitions, configs, {})
  }

  /** The replica lists a create would use (throws INVALID_REPLICATION_FACTOR / ASSIGNMENT). */
  plan(partitions: number, placement: Placement, firstPartition = 0): number[][] {
    if (placement.assignments !== undefined) {
      const live = new Set(this.view.brokers().map((b) => b.nodeId))
      // Kafka's rule: one replication factor per topic (a growth: the one it already has).
      const rf = placement.replicationFactor ?? placement.assignments[0]?.length
      for (const [i, replicas] of placement.assignments.entries()) {
        const p = firstPartition + i
        if (replicas.length !== rf)
          throw new KafkaError(
            'INVALID_REPLICA_ASSIGNMENT',
            `partition ${p} has ${replicas.length} replicas; the topic's replication factor is ${rf}`,
          )
        if (replicas.length === 0 || new Set(replicas).size !== replicas.length)
          throw new KafkaError(
            'INVALID_REPLICA_ASSIGNMENT',
            `partition ${p}: replicas [${replicas.join(', ')}] must be distinct and not empty`,
          )
        const unknown = replicas.filter((b) => !live.has(b))
        if (unknown.length > 0)
          throw new KafkaError(
            'INVALID_REPLICA_ASSIGNMENT',
            `partition ${p}: brokers [${unknown.join(', ')}] are not registered`,
          )
      }
      return placement.assignments
    }
    const rf = placement.replicationFactor ?? this.defaultReplicationFactor()
    const start = Math.floor(Math.random() * 1_000_000)
    return assignReplicas(this.view.brokers(), partitions, rf, start, firstPartition)
  }

  async createPlaced(
    name: string,
    partitions: number,
    configs: Record<string, string>,
    placement: Placement,
  ): Promise<TopicInfo> {
    const assignment = this.plan(partitions, placement)
    const topicId = randomUUID()
    const record = { topicId, partitions, configs: { ...configs } }
    const states = newStates(name, assignment, 0)
    const c = this.store.client
    const topicKey = this.store.k(TOPICS + name)
    const first = states.slice(0, TXN_CHUNK)
    const res = await c
      .if(topicKey, 'Create', '==', 0)
      .then(c.put(topicKey).value(recordValue(record)), ...first.map((s) => this.putState(s)))
      .commit()
    if (!res.succeeded)
      throw new KafkaError('TOPIC_ALREADY_EXISTS', `topic '${name}' already exists`)
    const created = Number(res.header.revision)
    this.view.applyTopic({ name, ...record, version: created })
    for (const s of first) this.view.applyState({ ...s, version: created })
    await this.putRest(topicKey, created, states.slice(TXN_CHUNK))
    this.log('info', 'topic created in etcd', { topic: name, partitions, assignment })
    return info({ name, ...record, version: created })
  }

  async delete(name: string): Promise<void> {
    const c = this.store.client
    const topicKey = this.store.k(TOPICS + name)
    const res = await c
      .if(topicKey, 'Create', '>', 0)
      .then(c.delete().key(topicKey), c.delete().prefix(this.store.k(`${PARTITIONS}${name}/`)))
      .commit()
    if (!res.succeeded)
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`)
    this.view.removeTopic(name, Number(res.header.revision))
  }

  /**
   * The replica lists of the partitions a growth from `partitions` (default: as the view has it)
   * to `total` adds: `assignments` when given, else placed like a create; either way with the
   * replication factor of the topic's partition 0. Throws what a CreatePartitions answers.
   */
  planGrowth(
    name: string,
    total: number,
    assignments?: number[][],
    partitions = this.view.topic(name)?.partitions,
  ): number[][] {
    if (partitions === undefined)
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`)
    const rf = this.view.partitionState(name, 0)?.replicas.length
    return this.plan(total - partitions, { replicationFactor: rf, assignments }, partitions)
  }

  async addPartitions(name: string, total: number, assignments?: number[][]): Promise<TopicInfo> {
    const { record: current, created } = await this.fresh(name)
    if (total <= current.partitions)
      throw new KafkaError(
        'INVALID_PARTITIONS',
        `topic '${name}' has ${current.partitions} partitions; ${total} is not more`,
      )
    const placed = this.planGrowth(name, total, assignments, current.partitions)
    const states = newStates(name, placed, current.partitions)
    const record = { ...current, partitions: total }
    // The record and the first states go in one swap on the record's revision (a concurrent
    // change fails it); the rest follow in chunks for as long as the topic is the same one (same
    // create revision), as in createPlaced.
    const c = this.store.client
    const topicKey = this.store.k(TOPICS + name)
    const first = states.slice(0, TXN_CHUNK)
    const res = await c
      .if(topicKey, 'Mod', '==', current.version)
      .then(c.put(topicKey).value(recordValue(record)), ...first.map((s) => this.putState(s)))
      .commit()
    if (!res.succeeded)
      throw new KafkaError('CONCURRENT_TRANSACTIONS', `topic '${name}' changed concurrently; retry`)
    const revision = Number(res.header.revision)
    this.view.applyTopic({ ...record, version: revision })
    for (const s of first) this.view.applyState({ ...s, version: revision })
    await this.putRest(topicKey, created, states.slice(TXN_CHUNK))
    return info({ ...record, version: revision })
  }

  async setConfigs(name: string, configs: Record<string, string>): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const { record: current } = await this.fresh(name)
      const record = { ...current, configs: { ...configs } }
      const version = await this.store.cas(TOPICS + name, recordValue(record), current.version)
      if (version !== null) {
        this.view.applyTopic({ ...record, version })
        return
      }
    }
    throw new KafkaError('CONCURRENT_TRANSACTIONS', `topic '${name}' changed concurrently; retry`)
  }

  /**
   * Partition states beyond the first transaction, TXN_CHUNK per transaction, each on the
   * condition that the topic is still the one created at `created` (stops once it was deleted).
   */
  private async putRest(
    topicKey: string,
    created: number,
    states: Omit<PartitionState, 'version'>[],
  ): Promise<void> {
    const c = this.store.client
    for (let i = 0; i < states.length; i += TXN_CHUNK) {
      const chunk = states.slice(i, i + TXN_CHUNK)
      const r = await c
        .if(topicKey, 'Create', '==', created)
        .then(...chunk.map((s) => this.putState(s)))
        .commit()
      if (!r.succeeded) return
      const revision = Number(r.header.revision)
      for (const s of chunk) this.view.applyState({ ...s, version: revision })
    }
  }

  private putState(s: Omit<PartitionState, 'version'>) {
    return this.store.client
      .put(this.store.k(partitionKey(s.topic, s.partition)))
      .value(encodeState(s))
  }

  /** The topic's record as etcd holds it now, and the key's create revision. */
  private async fresh(name: string): Promise<{ record: TopicRecord; created: number }> {
    const kv = await this.store.get(TOPICS + name)
    if (kv === undefined)
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`)
    const v = JSON.parse(kv.value) as Omit<TopicRecord, 'name' | 'version'>
    return { record: { ...v, name, version: kv.version }, created: kv.created }
  }
}
