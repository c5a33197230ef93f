// Keeps this broker's local state in line with the cluster metadata in etcd:
// - a partition log exists exactly for the partitions whose replicas include this broker (created
//   when a state naming it appears, deleted when the topic or the assignment drops it);
// - topic config overrides are applied to the local logs;
// - the local TopicStore file mirrors the etcd topics, so code that reads the broker's TopicStore
//   (group coordinator, admin views, start-up) sees the cluster's topics.
// Log deletes and mirror writes run one at a time in order of the events that caused them.

import { parseTopicConfig } from '../log/log-config.js'
import type { LogConfig } from '../log/log-config.js'
import type { LogManager } from '../log/log-manager.js'
import type { TopicStore } from '../metadata/topic-store.js'
import type { ClusterView, TopicRecord } from './cluster-view.js'
import type { PartitionState } from './types.js'
import type { LogFn } from '../log-fn.js'

function overridesOf(configs: Record<string, string>): Partial<LogConfig> {
  const out: Partial<LogConfig> = {}
  for (const [k, v] of Object.entries(configs)) {
    try {
      Object.assign(out, parseTopicConfig(k, v))
    } catch {
      // Validated when written; an entry this version cannot parse is skipped.
    }
  }
  return out
}

function sameConfigs(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k])
}

export class LogSync {
  private queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly view: ClusterView,
    private readonly logs: LogManager,
    private readonly mirror: TopicStore,
    private readonly log: LogFn = () => undefined,
  ) {}

  /** Subscribes to the view and reconciles everything once (call after view.start()). */
  async start(): Promise<void> {
    this.view.onPartitionState((s) => this.onState(s))
    this.view.onPartitionRemoved((topic, partition) => this.dropLog(topic, partition))
    this.view.onTopic((name, record) => this.onTopic(name, record))
    for (const t of this.view.topics()) this.onTopic(t.name, t)
    for (const s of this.view.allPartitionStates()) this.onState(s)
    for (const l of this.logs.all()) {
      const s = this.view.partitionState(l.topic, l.partition)
      if (s === undefined || !s.replicas.includes(this.view.nodeId))
        this.dropLog(l.topic, l.partition)
    }
    for (const t of this.mirror.list()) {
      if (this.view.topic(t.name) === undefined) this.onTopic(t.name, undefined)
    }
    await this.idle()
  }

  /** Resolves once every queued delete and mirror write finished. */
  async idle(): Promise<void> {
    let q: Promise<void>
    do {
      q = this.queue
      await q
    } while (q !== this.queue)
  }

  private enqueue(what: string, op: () => Promise<void>): void {
    this.queue = this.queue.then(op).catch((err: unknown) => {
      this.log('error', `cluster log sync: ${what} failed`, { error: (err as Error).message })
    })
  }

  private onState(s: PartitionState): void {
    const hosted = s.replicas.includes(this.view.nodeId)
    const local = this.logs.get(s.topic, s.partition)
    if (hosted && local === undefined) {
      const t = this.view.topic(s.topic)
      const overrides = t === undefined ? {} : overridesOf(t.configs)
      try {
        this.logs.create(s.topic, s.partition, overrides)
        this.log('info', 'created local replica log', { topic: s.topic, partition: s.partition })
      } catch (err) {
        this.log('error', 'cannot create local replica log', {
          topic: s.topic,
          partition: s.partition,
          error: (err as Error).message,
        })
      }
    } else if (!hosted && local !== undefined) {
      this.dropLog(s.topic, s.partition)
    }
  }

  private dropLog(topic: string, partition: number): void {
    this.enqueue(`delete ${topic}-${partition}`, async () => {
      // Re-check at our turn: the partition may have been re-created here meanwhile.
      const s = this.view.partitionState(topic, partition)
      if (s !== undefined && s.replicas.includes(this.view.nodeId)) return
      if (this.logs.get(topic, partition) === undefined) return
      await this.logs.delete(topic, partition)
      this.log('info', 'deleted local replica log', { topic, partition })
    })
  }

  private onTopic(name: string, record: TopicRecord | undefined): void {
    if (record !== undefined) this.logs.setTopicConfig(name, overridesOf(record.configs))
    this.enqueue(`mirror ${name}`, async () => {
      // Re-read at our turn so a burst of changes ends in the latest state.
      const t = this.view.topic(name)
      const local = this.mirror.get(name)
      if (t === undefined) {
        if (local !== undefined) await this.mirror.delete(name)
        return
      }
      if (local === undefined) {
        await this.mirror.create(name, t.partitions, t.configs)
        return
      }
      if (t.partitions < local.partitions) {
        // Deleted and re-created with fewer partitions while we were not looking.
        await this.mirror.delete(name)
        await this.mirror.create(name, t.partitions, t.configs)
        return
      }
      if (t.partitions > local.partitions) await this.mirror.addPartitions(name, t.partitions)
      if (!sameConfigs(t.configs, local.configs)) await this.mirror.setConfigs(name, t.configs)
    })
  }
}
