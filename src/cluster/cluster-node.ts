// A broker's cluster membership, started in two steps by startBroker in cluster mode:
// connect() before the broker listens (etcd reachable, cluster view loaded, local logs reconciled
// with the assignment), register() once its advertised address is known (session lease, the
// `brokers/<id>` key — refused if a live broker holds the id — then the controller campaign).
// ClusterControl (what the data plane uses) is served by the view; sessionLost/sessionStarted
// tell a leader to stop acting as one when its lease may have expired.

import { generateClusterId } from '../config/meta-properties.js'
import type { BrokerConfig } from '../config/broker-config.js'
import type { LogManager } from '../log/log-manager.js'
import type { TopicStore } from '../metadata/topic-store.js'
import { BROKERS, ClusterView } from './cluster-view.js'
import { ClusterTopicStore } from './cluster-topics.js'
import { Controller } from './controller.js'
import { EtcdStore, SessionKeyTaken } from './etcd-store.js'
import { LogSync } from './log-sync.js'
import { OfflineReplicaReporter } from './offline-replicas.js'
import { Reassignments } from './reassignment.js'
import type { BrokerInfo, ClusterControl, PartitionState } from './types.js'
import type { LogFn } from '../log-fn.js'
import type { Reachable } from '../metadata/broker-endpoints.js'

export const OFFSETS_TOPIC = '__consumer_offsets'

/** Cluster id for brokers without cluster.id: one per etcd, created by the first broker. */
export async function resolveClusterId(url: string, configured: string | null): Promise<string> {
  if (configured !== null) return configured
  const store = new EtcdStore(url, { prefix: '/samsa/' })
  try {
    await store.createIfAbsent('default-cluster-id', generateClusterId())
    const kv = await store.get('default-cluster-id')
    if (kv === undefined) throw new Error('etcd lost /samsa/default-cluster-id')
    return kv.value
  } finally {
    await store.close()
  }
}

export class ClusterNode implements ClusterControl {
  readonly store: EtcdStore
  readonly view: ClusterView
  readonly topics: ClusterTopicStore
  readonly controller: Controller
  readonly reassignments: Reassignments
  readonly offlineReporter: OfflineReplicaReporter
  private sync: LogSync | null = null

  constructor(
    readonly config: BrokerConfig,
    clusterId: string,
    private readonly log: LogFn,
  ) {
    if (config.metadataStore === null) throw new Error('metadata.store is not set')
    this.store = new EtcdStore(config.metadataStore, { prefix: `/samsa/${clusterId}/`, log })
    this.view = new ClusterView(this.store, config.nodeId, log)
    this.topics = new ClusterTopicStore(
      this.store,
      this.view,
      () => this.config.defaultReplicationFactor,
      log,
    )
    this.reassignments = new Reassignments(this.store, this.view, log)
    this.offlineReporter = new OfflineReplicaReporter(this.store, config.nodeId, log)
    this.controller = new Controller(this.store, this.view, {
      // Live: SIGHUP updates logDefaults in place.
      uncleanLeaderElection: () => config.logDefaults.uncleanLeaderElectionEnable,
      autoRebalance: config.autoLeaderRebalanceEnable,
      preferredLeaderCheckMs: config.autoLeaderRebalanceEnable
        ? config.leaderImbalanceCheckIntervalMs
        : 0,
      log,
    })
  }

  get nodeId(): number {
    return this.view.nodeId
  }

  /** Loads the cluster view and reconciles local logs and the TopicStore mirror with it. */
  async connect(logs: LogManager, mirror: TopicStore): Promise<void> {
    // A log a storage error took offline is reported (written once the session is up), so that
    // the controller moves its partition's leadership away and drops the replica from the ISR.
    const reporter = this.offlineReporter
    logs.onOffline((l) => reporter.report(l.topic, l.partition))
    for (const l of logs.all()) if (l.offline) reporter.report(l.topic, l.partition)
    this.view.onPartitionRemoved((topic, partition) => reporter.forget(topic, partition))
    this.view.onPartitionState((s) => {
      if (!s.replicas.includes(this.nodeId)) reporter.forget(s.topic, s.partition)
    })
    await this.view.start()
    this.sync = new LogSync(this.view, logs, mirror, this.log)
    await this.sync.start()
  }

  /** Registers this broker (live from now on) and starts campaigning for controller. */
  async register(advertised: Reachable): Promise<void> {
    const info: BrokerInfo = {
      nodeId: this.config.nodeId,
      host: advertised.host,
      port: advertised.port,
      rack: this.config.brokerRack,
      ...(advertised.endpoints === undefined ? {} : { endpoints: advertised.endpoints }),
    }
    await this.store.startSession(this.config.brokerSessionTimeoutMs)
    // A restart right after a crash finds its own previous registration until that lease
    // expires: wait one session timeout (and a margin) before calling the id taken.
    const deadline = Date.now() + this.config.brokerSessionTimeoutMs * 1.5 + 1000
    for (;;) {
      try {
        await this.store.putSessionKey(BROKERS + String(info.nodeId), JSON.stringify(info), true)
        break
      } catch (err) {
        if (!(err instanceof SessionKeyTaken)) throw err
        if (Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200))
          continue
        }
        throw new Error(
          `node.id ${info.nodeId} is already registered by a live broker (${err.holder}); ` +
            'every broker of a cluster needs its own node.id',
          { cause: err },
        )
      }
    }
    this.view.applyBroker(info)
    this.controller.start()
  }

  /**
   * Creates __consumer_offsets through etcd if missing, with offsets.topic.replication.factor
   * replicas capped at the live brokers (Kafka refuses instead; a small cluster should start).
   */
  async ensureOffsetsTopic(partitions: number, configs: Record<string, string>): Promise<void> {
    if (this.view.topic(OFFSETS_TOPIC) !== undefined) return
    const live = this.view.brokers().length
    const rf = Math.max(1, Math.min(this.config.offsetsTopicReplicationFactor, live))
    if (rf < this.config.offsetsTopicReplicationFactor)
      this.log('warn', `${OFFSETS_TOPIC} created with replication factor ${rf}`, {
        configured: this.config.offsetsTopicReplicationFactor,
        liveBrokers: live,
      })
    try {
      await this.topics.createPlaced(OFFSETS_TOPIC, partitions, configs, { replicationFactor: rf })
    } catch (err) {
      if (this.view.topic(OFFSETS_TOPIC) === undefined) {
        const again = await this.store.get(`topics/${OFFSETS_TOPIC}`)
        if (again === undefined) throw err
      }
    }
    await this.settled()
  }

  /** Waits until local log creations/deletes and mirror writes caused so far are done. */
  async settled(): Promise<void> {
    await this.sync?.idle()
  }

  isController(): boolean {
    return this.controller.isActive
  }

  get sessionAlive(): boolean {
    return this.store.sessionAlive
  }

  /** The lease may have expired: stop acting as leader until sessionStarted. */
  onSessionLost(fn: () => void): void {
    this.store.onSessionLost(fn)
  }

  onSessionStarted(fn: () => void): void {
    this.store.onSessionStarted(fn)
  }

  // ---- ClusterControl, served by the view ----

  brokers(): BrokerInfo[] {
    return this.view.brokers()
  }

  broker(nodeId: number): BrokerInfo | undefined {
    return this.view.broker(nodeId)
  }

  partitionState(topic: string, partition: number): PartitionState | undefined {
    return this.view.partitionState(topic, partition)
  }

  allPartitionStates(): PartitionState[] {
    return this.view.allPartitionStates()
  }

  onPartitionState(listener: (state: PartitionState) => void): void {
    this.view.onPartitionState(listener)
  }

  alterIsr(
    topic: string,
    partition: number,
    leaderEpoch: number,
    isr: number[],
    expectedVersion: number,
  ): Promise<PartitionState> {
    return this.view.alterIsr(topic, partition, leaderEpoch, isr, expectedVersion)
  }

  controllerId(): number {
    return this.view.controllerId()
  }

  /** Gives up the controller role, revokes the lease (the broker leaves at once), closes. */
  async close(): Promise<void> {
    this.offlineReporter.close()
    await this.controller.stop().catch(() => undefined)
    await this.view.close()
    await this.sync?.idle()
    await this.store.close()
  }
}
