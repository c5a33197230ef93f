// Start-up and shutdown of one broker: lock the data dirs, read (or create) meta.properties,
// recover the logs, load the topic store (recreating logs a crash left missing), then listen.
// close() reverses it: stop accepting, let in-flight requests finish (bounded), wake parked
// fetches, close the LogManager (checkpoints + clean-shutdown marker), unlock.

import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AdminServer } from './admin/http/admin-server.js'
import { startAdminListener } from './admin/http/start-admin.js'
import type { BrokerServices } from './broker-services.js'
import { ClusterNode, resolveClusterId } from './cluster/cluster-node.js'
import { ReplicaManager } from './cluster/replication/replica-manager.js'
import { openClusterGroupCoordinator } from './group/cluster-service.js'
import { OFFSETS_TOPIC } from './group/records.js'
import type { BrokerConfig } from './config/broker-config.js'
import { loadOrCreateMeta } from './config/meta-properties.js'
import { reloadConfig } from './config/reload.js'
import type { ReloadPlan } from './config/reload.js'
import { openGroupCoordinator } from './group/service.js'
import { parseTopicConfig } from './log/log-config.js'
import type { LogConfig } from './log/log-config.js'
import { LogManager } from './log/log-manager.js'
import { ProducerIdAllocator } from './metadata/producer-ids.js'
import { etcdBlockReserver } from './cluster/producer-id-blocks.js'
import type { Endpoint, Reachable } from './metadata/broker-endpoints.js'
import { tlsServerOptions } from './server/tls-options.js'
import { TopicStore } from './metadata/topic-store.js'
import type { TopicInfo } from './metadata/topic-store.js'
import { DirLock } from './server/dir-lock.js'
import { Dispatcher } from './server/dispatcher.js'
import { FetchPurgatory } from './server/fetch-purgatory.js'
import { FetchSessionCache } from './server/fetch-sessions.js'
import type { AnyHandler } from './server/handler.js'
import { BrokerServer } from './server/listener.js'
import type { BoundListener } from './server/listener.js'
import { consoleLog } from './server/logger.js'
import { handlers as registeredHandlers } from './server/registry.js'
import { newBrokerStats } from './server/stats.js'
import type { LogFn } from './log-fn.js'

export interface StartBrokerOptions {
  log?: LogFn
  /** Replaces the registry's handler list (tests). */
  handlers?: readonly AnyHandler[]
  /** false forces the copy path for file regions. */
  sendfile?: boolean
  /** How long close() waits for in-flight requests before cutting connections. Default 10 s. */
  shutdownTimeoutMs?: number
  /** Where the start-up banner goes; default stdout. */
  banner?: (line: string) => void
  /** Reload the config on SIGHUP. Default: when the config came from loadBrokerConfig. */
  reloadOnSighup?: boolean
}

export interface Broker {
  readonly config: BrokerConfig
  readonly services: BrokerServices
  /** The listeners with their real ports. */
  readonly listeners: readonly BoundListener[]
  readonly dataDirs: readonly string[]
  /** The admin HTTP listener (metrics, health, dashboard); null when off. */
  readonly admin: AdminServer | null
  /** Re-reads the config from its origin and applies what can change live (also on SIGHUP). */
  reload(): ReloadPlan | null
  close(): Promise<void>
}

/** Topic config overrides as a LogConfig fragment; invalid stored entries are skipped. */
export function topicOverrides(info: TopicInfo, log: LogFn): Partial<LogConfig> {
  const out: Partial<LogConfig> = {}
  for (const [k, v] of Object.entries(info.configs)) {
    try {
      Object.assign(out, parseTopicConfig(k, v))
    } catch (err) {
      log('warn', 'ignoring stored topic config', { topic: info.name, key: k, error: err })
    }
  }
  return out
}

/** advertised.listeners with real hosts and ports; the first one is the broker's address. */
function advertisedAddress(config: BrokerConfig, bound: readonly BoundListener[]): Reachable {
  const first = bound[0]
  if (config.advertisedListeners.length === 0 || first === undefined)
    throw new Error('no listener to advertise')
  const endpoints: Record<string, Endpoint> = {}
  for (const adv of config.advertisedListeners) {
    const sameName = bound.find((b) => b.name === adv.name) ?? first
    const host =
      adv.host === '' || adv.host === '0.0.0.0' || adv.host === '::' ? os.hostname() : adv.host
    endpoints[adv.name] = { host, port: adv.port === 0 ? sameName.port : adv.port }
  }
  const main = endpoints[config.advertisedListeners[0]?.name ?? ''] ?? first
  return { host: main.host, port: main.port, endpoints }
}

/** Cluster mode's data plane: leader/follower roles for every local replica. */
function startReplication(
  cluster: ClusterNode,
  services: BrokerServices,
  cleanups: Array<() => Promise<void>>,
): ReplicaManager {
  const { config, purgatory } = services
  const replication = new ReplicaManager({
    control: cluster,
    logs: services.logs,
    notifyFetch: (topic, partition) => purgatory.notify(topic, partition),
    lagTimeMaxMs: config.replicaLagTimeMaxMs,
    log: services.log,
  })
  cluster.view.onPartitionRemoved((topic, partition) =>
    replication.removePartition(topic, partition),
  )
  // Without a session our lease expires and the controller moves our leaderships elsewhere.
  cluster.onSessionLost(() => replication.suspend())
  cluster.onSessionStarted(() => replication.resume())
  replication.start()
  cleanups.push(() => replication.close())
  return replication
}

export async function startBroker(
  config: BrokerConfig,
  options: StartBrokerOptions = {},
): Promise<Broker> {
  const log = options.log ?? consoleLog
  const dirs = config.logDirs.map((d) => path.resolve(d))
  // Before anything is opened: unusable key material stops start-up with the key named.
  const tls = config.ssl === null ? null : tlsServerOptions(config.ssl)
  const cleanups: Array<() => Promise<void>> = []
  const undo = async (): Promise<void> => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined)
  }
  try {
    for (const dir of dirs) {
      await fsp.mkdir(dir, { recursive: true })
      const lock = await DirLock.acquire(dir)
      cleanups.push(() => lock.release())
    }
    // Up before recovery so health probes answer (and /ready says 503) during a long start-up.
    const admin = await startAdminListener(config, log)
    if (admin !== null) cleanups.push(() => admin.close())
    const clusterMode = config.metadataStore !== null
    // Cluster mode: every broker of the cluster must share one cluster id (it names the etcd
    // prefix); without cluster.id the first broker to reach etcd picks it.
    const configuredClusterId =
      config.metadataStore !== null
        ? await resolveClusterId(config.metadataStore, config.clusterId)
        : config.clusterId
    const meta = await loadOrCreateMeta(dirs, config.nodeId, configuredClusterId)
    const logs = await LogManager.open({
      logDirs: dirs,
      defaults: config.logDefaults,
      retentionCheckIntervalMs: config.logRetentionCheckIntervalMs,
      recoveryPointCheckpointIntervalMs: config.logFlushOffsetCheckpointIntervalMs,
      cleanerEnable: config.logCleanerEnable,
      cleanerBackoffMs: config.logCleanerBackoffMs,
      recoveryThreadsPerDataDir: config.numRecoveryThreadsPerDataDir,
      segmentRecycleBytes: config.logSegmentRecycleBytes,
      log,
      replicated: clusterMode,
    })
    cleanups.push(() => logs.close())
    const topics = await TopicStore.open(dirs[0] as string)
    let cluster: ClusterNode | undefined
    if (clusterMode) {
      // etcd is the source of truth: the local TopicStore becomes its mirror and the logs follow
      // the assignment (created for hosted partitions, deleted for the others).
      const node = new ClusterNode(config, meta.clusterId, log)
      cluster = node
      cleanups.push(() => node.close())
      await node.connect(logs, topics)
    }
    for (const t of clusterMode ? [] : topics.list()) {
      const overrides = topicOverrides(t, log)
      if (Object.keys(overrides).length > 0) logs.setTopicConfig(t.name, overrides)
      for (let p = 0; p < t.partitions; p++) {
        if (logs.get(t.name, p) === undefined) {
          log('warn', 'recreating missing partition log', { topic: t.name, partition: p })
          logs.create(t.name, p, overrides)
        }
      }
    }
    // A crash between removing a topic from the store and deleting its logs leaves logs that no
    // API lists; finish that delete now rather than serve data for a topic that no longer exists.
    for (const l of clusterMode ? [] : logs.all()) {
      const t = topics.get(l.topic)
      if (t === undefined || l.partition >= t.partitions) {
        log('warn', 'deleting partition log of a deleted topic', {
          topic: l.topic,
          partition: l.partition,
        })
        await logs.delete(l.topic, l.partition)
      }
    }
    const purgatory = new FetchPurgatory(logs)
    cleanups.push(async () => purgatory.close())
    // Cluster mode reserves id blocks in etcd: ids are unique across the brokers.
    const producerIds = await ProducerIdAllocator.open(dirs[0] as string, {
      reserver: cluster === undefined ? undefined : etcdBlockReserver(cluster.store, log),
    })
    // Closed before the LogManager (cleanups run in reverse): no group write after the logs close.
    // Cluster mode opens it after registering: __consumer_offsets is placed on live brokers.
    const groups = clusterMode
      ? undefined
      : await openGroupCoordinator({ config, logs, topics, log })
    if (groups !== undefined) cleanups.push(async () => groups.close())
    const handlers = options.handlers ?? registeredHandlers
    const stats = newBrokerStats()
    const services: BrokerServices = {
      config,
      logs,
      topics,
      purgatory,
      fetchSessions: new FetchSessionCache(config.maxIncrementalFetchSessionCacheSlots),
      producerIds,
      groups,
      cluster,
      nodeId: config.nodeId,
      clusterId: meta.clusterId,
      advertised: { host: '', port: 0 },
      stats,
      handlers,
      log,
    }
    admin?.attach(services)
    const dispatcher = new Dispatcher(handlers, services)
    const listenerOptions = {
      maxRequestBytes: config.socketRequestMaxBytes,
      idleTimeoutMs: config.connectionsMaxIdleMs,
      maxInFlightBytes: config.queuedMaxRequestBytes,
      tcpCongestion: config.tcpCongestion,
      handleFrame: dispatcher.dispatch,
      stats,
      log,
      sendfile: options.sendfile,
      sendfileInlineBytes: config.sendfileInlineBytes,
      protocols: config.listenerProtocols,
      tls,
    }
    const server = await BrokerServer.listen(config.listeners, listenerOptions)
    services.advertised = advertisedAddress(config, server.bound)
    if (cluster !== undefined) {
      cleanups.push(() => server.close(0))
      await cluster.register(services.advertised)
      const replication = startReplication(cluster, services, cleanups)
      services.replication = replication
      // __consumer_offsets is created by the first FindCoordinator (10-find-coordinator.ts), once
      // more brokers may be up to replicate it.
      const view = cluster.view
      const clusterGroups = openClusterGroupCoordinator({
        config,
        logs,
        topics,
        replication,
        offsetsPartitions: () => view.topic(OFFSETS_TOPIC)?.partitions,
        log,
      })
      // Closed before the cluster node and the logs (cleanups run in reverse).
      cleanups.push(async () => clusterGroups.close())
      services.groups = clusterGroups
    }
    if (admin !== null) admin.state = 'ready'

    const banner = options.banner ?? ((line: string) => process.stdout.write(line + '\n'))
    if (admin !== null)
      banner(`samsa admin on ${admin.url} (/metrics, /health, /ready, dashboard /)`)
    // The listening lines come last: tools wait for them as the ready signal.
    banner(
      `samsa data directory ${dirs.join(',')} (cluster.id ${meta.clusterId}, node.id ${config.nodeId}, ` +
        `advertised ${services.advertised.host}:${services.advertised.port})`,
    )
    for (const b of server.bound)
      banner(
        `samsa listening on ${b.name}://${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`,
      )

    const reload = (): ReloadPlan | null => {
      const origin = services.config.origin
      if (origin === undefined) {
        log('warn', 'config reload: this broker was not started from a config file')
        return null
      }
      return reloadConfig(services.config, origin, {
        log,
        apply(plan) {
          services.config = plan.config
          listenerOptions.idleTimeoutMs = plan.config.connectionsMaxIdleMs
          for (const t of topics.list()) logs.setTopicConfig(t.name, topicOverrides(t, log))
          // Set exactly when a listener speaks SSL (listeners need a restart to change).
          const ssl = plan.config.ssl
          if (ssl !== null) {
            try {
              server.updateTls(tlsServerOptions(ssl))
              log('info', 'TLS key material reloaded', { keystore: ssl.keystoreLocation })
            } catch (err) {
              log('error', 'TLS key material reload failed; SSL listeners keep the previous one', {
                error: err,
              })
            }
          }
          // Partitions waiting for a leader may now take an out-of-sync one.
          if (plan.live.includes('unclean.leader.election.enable'))
            cluster?.controller.schedulePass()
        },
      })
    }
    const onSighup = (): void => {
      log('info', 'SIGHUP received, reloading the config')
      reload()
    }
    if (options.reloadOnSighup ?? config.origin !== undefined) process.on('SIGHUP', onSighup)

    let closing: Promise<void> | null = null
    const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000
    return {
      get config() {
        return services.config
      },
      services,
      listeners: server.bound,
      dataDirs: dirs,
      admin,
      reload,
      close(): Promise<void> {
        closing ??= (async () => {
          process.off('SIGHUP', onSighup)
          if (admin !== null) admin.state = 'stopping'
          const drained = server.close(shutdownTimeoutMs)
          // Parked long-poll fetches answer now instead of holding the drain for max_wait_ms.
          purgatory.close()
          await drained
          await undo()
          log('info', 'broker stopped', { dataDir: dirs.join(',') })
        })()
        return closing
      },
    }
  } catch (err) {
    await undo()
    throw err
  }
}
