// Topic lifecycle on one node: a topic is a TopicStore entry (name, id, partition count, config
// overrides) plus one partition log per partition. Every admin path (CreateTopics, Metadata
// auto-create, CreatePartitions, DeleteTopics, AlterConfigs) goes through here so validation and
// ordering are the same everywhere. Operations are serialised: two clients auto-creating the same
// topic at once must see one create and one TOPIC_ALREADY_EXISTS, never two half-built topics.
//
// Order of effects: the store entry is written (durably) before the logs exist, and removed before
// the logs are deleted. The broker start-up creates logs missing for a stored topic, so a crash
// between the two steps leaves a topic that start-up completes, never an orphan log nobody lists.

import { parseTopicConfig, parseTopicConfigs } from '../log/log-config.js'
import type { LogConfig } from '../log/log-config.js'
import { KafkaError } from '../protocol/errors.js'
import { validateTopicName } from './topic-store.js'
import type { TopicInfo, TopicStore } from './topic-store.js'
import type { LogManager } from '../log/log-manager.js'
import type { BrokerServices } from '../broker-services.js'

/** Cluster mode: how a new topic's partitions are placed on brokers. */
export interface Placement {
  replicationFactor?: number
  /** Manual assignment: replicas per partition, index = partition. */
  assignments?: number[][]
}

/** What the manager needs of the store and the log manager (tests pass small fakes). */
export type TopicStoreOps = Pick<
  TopicStore,
  'get' | 'list' | 'create' | 'delete' | 'setConfigs'
> & {
  /** Grows a topic; cluster stores place the new partitions (on `assignments` when given). */
  addPartitions(name: string, total: number, assignments?: number[][]): Promise<TopicInfo>
  /** Cluster stores: the replicas a growth would give the new partitions; throws when it cannot. */
  planGrowth?(name: string, total: number, assignments?: number[][]): number[][]
  /** Cluster stores: create with a placement. */
  createPlaced?(
    name: string,
    partitions: number,
    configs: Record<string, string>,
    placement: Placement,
  ): Promise<TopicInfo>
  /** Cluster stores: the assignment a create would use; throws when it cannot be made. */
  plan?(partitions: number, placement: Placement): number[][]
}
export type LogManagerOps = Pick<LogManager, 'delete' | 'setTopicConfig'> & {
  create(topic: string, partition: number, overrides?: Partial<LogConfig>): unknown
}

export interface ValidateOnlyOption {
  /** Check everything, change nothing. */
  validateOnly?: boolean
}

export interface CreateOptions extends ValidateOnlyOption, Placement {}

/**
 * More partitions than this in one topic is refused with INVALID_PARTITIONS: each partition is a
 * directory with open files, and a request for 2^31 of them must not take the broker down.
 */
export const MAX_PARTITIONS_PER_TOPIC = 10_000

const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state'])

export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name)
}

/** Kafka refuses names that differ only in '.' vs '_' (they collide in metric names). */
function collisionKey(name: string): string {
  return name.replace(/\./g, '_')
}

/** Validates topic config overrides; returns them as LogConfig overrides. Null values refused. */
export function validateTopicConfigs(configs: Record<string, string | null>): {
  configs: Record<string, string>
  overrides: Partial<LogConfig>
} {
  const clean: Record<string, string> = {}
  const overrides: Partial<LogConfig> = {}
  for (const [name, value] of Object.entries(configs)) {
    if (value === null) {
      throw new KafkaError('INVALID_CONFIG', `null value not supported for topic config ${name}`)
    }
    Object.assign(overrides, parseTopicConfig(name, value))
    clean[name] = value
  }
  return { configs: clean, overrides }
}

export class TopicManager {
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    readonly store: TopicStoreOps,
    private readonly logs: LogManagerOps,
  ) {}

  get(name: string): TopicInfo | undefined {
    return this.store.get(name)
  }

  list(): TopicInfo[] {
    return this.store.list()
  }

  /**
   * Creates a topic with `partitions` partitions and the given config overrides. With
   * validateOnly, returns the TopicInfo the topic would have (topicId all zeros).
   */
  create(
    name: string,
    partitions: number,
    configs: Record<string, string | null>,
    options: CreateOptions = {},
  ): Promise<TopicInfo> {
    return this.serialised(async () => {
      validateTopicName(name)
      if (!Number.isInteger(partitions) || partitions < 1) {
        throw new KafkaError(
          'INVALID_PARTITIONS',
          `number of partitions ${partitions} must be at least 1`,
        )
      }
      if (partitions > MAX_PARTITIONS_PER_TOPIC) {
        throw new KafkaError(
          'INVALID_PARTITIONS',
          `number of partitions ${partitions} is above the limit ${MAX_PARTITIONS_PER_TOPIC}`,
        )
      }
      if (this.store.get(name) !== undefined) {
        throw new KafkaError('TOPIC_ALREADY_EXISTS', `topic '${name}' already exists`)
      }
      const key = collisionKey(name)
      for (const t of this.store.list()) {
        if (collisionKey(t.name) === key) {
          throw new KafkaError(
            'INVALID_TOPIC_EXCEPTION',
            `topic '${name}' collides with existing topic '${t.name}' ('.' and '_' are equivalent)`,
          )
        }
      }
      const valid = validateTopicConfigs(configs)
      const placement: Placement = {
        replicationFactor: options.replicationFactor,
        assignments: options.assignments,
      }
      this.store.plan?.(partitions, placement)
      if (options.validateOnly === true) {
        return { name, topicId: ZERO_TOPIC_ID, partitions, configs: valid.configs }
      }
      const info =
        this.store.createPlaced !== undefined
          ? await this.store.createPlaced(name, partitions, valid.configs, placement)
          : await this.store.create(name, partitions, valid.configs)
      try {
        // Replace, not merge: a deleted topic of the same name may have left overrides behind.
        this.logs.setTopicConfig(name, valid.overrides)
        for (let p = 0; p < partitions; p++) this.logs.create(name, p, valid.overrides)
      } catch (err) {
        await this.undoCreate(name, partitions)
        throw err
      }
      return info
    })
  }

  /** Deletes the topic's store entry, then its partition logs. */
  delete(name: string): Promise<void> {
    return this.serialised(async () => {
      const info = this.store.get(name)
      if (info === undefined) {
        throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`)
      }
      await this.store.delete(name)
      for (let p = 0; p < info.partitions; p++) await this.logs.delete(name, p)
    })
  }

  /**
   * Grows a topic to `total` partitions (never shrinks). `assignments`, one per new partition,
   * places them (cluster stores); the caller checks what a single node accepts.
   */
  addPartitions(
    name: string,
    total: number,
    options: ValidateOnlyOption & { assignments?: number[][] } = {},
  ): Promise<TopicInfo> {
    return this.serialised(async () => {
      const info = this.store.get(name)
      if (info === undefined) {
        throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`)
      }
      if (!Number.isInteger(total) || total < info.partitions) {
        throw new KafkaError(
          'INVALID_PARTITIONS',
          `topic currently has ${info.partitions} partitions, which is higher than the requested ${total}`,
        )
      }
      if (total === info.partitions) {
        throw new KafkaError('INVALID_PARTITIONS', `topic already has ${total} partitions`)
      }
      if (total > MAX_PARTITIONS_PER_TOPIC) {
        throw new KafkaError(
          'INVALID_PARTITIONS',
          `number of partitions ${total} is above the limit ${MAX_PARTITIONS_PER_TOPIC}`,
        )
      }
      const adding = total - info.partitions
      if (options.assignments !== undefined && options.assignments.length !== adding) {
        throw new KafkaError(
          'INVALID_REPLICA_ASSIGNMENT',
          `increasing the number of partitions by ${adding} but ${options.assignments.length} assignments provided`,
        )
      }
      this.store.planGrowth?.(name, total, options.assignments)
      if (options.validateOnly === true) return { ...info, partitions: total }
      const before = info.partitions
      const overrides = parseTopicConfigs(info.configs)
      const updated = await this.store.addPartitions(name, total, options.assignments)
      this.logs.setTopicConfig(name, overrides)
      for (let p = before; p < total; p++) this.logs.create(name, p, overrides)
      return updated
    })
  }

  /** Replaces the topic's config overrides wholesale (AlterConfigs semantics). */
  alterConfigs(
    name: string,
    configs: Record<string, string | null>,
    options: ValidateOnlyOption = {},
  ): Promise<void> {
    return this.updateConfigs(name, () => configs, options)
  }

  /**
   * Read-modify-write of the topic's overrides inside the queue, so concurrent incremental
   * changes do not lose each other's updates. `update` may throw a KafkaError.
   */
  updateConfigs(
    name: string,
    update: (current: Readonly<Record<string, string>>) => Record<string, string | null>,
    options: ValidateOnlyOption = {},
  ): Promise<void> {
    return this.serialised(async () => {
      const info = this.store.get(name)
      if (info === undefined) {
        throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`)
      }
      const valid = validateTopicConfigs(update(info.configs))
      if (options.validateOnly === true) return
      await this.store.setConfigs(name, valid.configs)
      this.logs.setTopicConfig(name, valid.overrides)
    })
  }

  private async undoCreate(name: string, partitions: number): Promise<void> {
    try {
      await this.store.delete(name)
    } catch {
      // The store write failed too; start-up reconciliation completes or lists the topic.
    }
    for (let p = 0; p < partitions; p++) {
      try {
        await this.logs.delete(name, p)
      } catch {
        // Partition never created.
      }
    }
  }

  private serialised<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op)
    this.queue = run.catch(() => undefined)
    return run
  }
}

export const ZERO_TOPIC_ID = '00000000-0000-0000-0000-000000000000'

const managers = new WeakMap<object, TopicManager>()

/**
 * The one TopicManager of a broker. Keyed by the services object so every handler of that broker
 * shares one queue (serialisation only works if there is one manager per store).
 */
export function topicManagerFor(
  services: Pick<BrokerServices, 'topics' | 'logs' | 'cluster'>,
): TopicManager {
  let m = managers.get(services)
  if (m === undefined) {
    const cluster = services.cluster
    const logs = services.logs
    m =
      cluster === undefined
        ? new TopicManager(services.topics, logs)
        : // Cluster mode: etcd holds the topics; each broker's LogSync creates and deletes the
          // logs of the partitions it hosts when it sees the change, this one included.
          new TopicManager(cluster.topics, {
            create: () => undefined,
            delete: () => Promise.resolve(),
            setTopicConfig: (topic, overrides) => logs.setTopicConfig(topic, overrides),
          })
    managers.set(services, m)
  }
  return m
}
