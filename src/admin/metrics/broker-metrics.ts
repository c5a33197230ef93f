// One Prometheus registry per broker (tests run several brokers in one process). Traffic is
// counted as it happens (TrafficRecorder, installed as services.stats.traffic); everything else
// is read from the broker's state when Prometheus scrapes: server counters, partition logs,
// group lag, event-loop delay. Node's process metrics come from prom-client's default set.

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { BrokerServices } from '../../broker-services.js'
import type { PartitionLog } from '../../log/partition-log.js'
import { EventLoopMonitor } from './event-loop.js'
import { groupLags } from './group-lag.js'
import { TrafficRecorder } from './traffic.js'

export interface BrokerMetrics {
  readonly registry: Registry
  readonly traffic: TrafficRecorder
  readonly eventLoop: EventLoopMonitor
  /** The Prometheus text exposition. */
  render(): Promise<string>
  readonly contentType: string
  /** Detaches the traffic hooks and stops the event-loop monitor. */
  close(): void
}

export interface BrokerMetricsOptions {
  /** prom-client's process_* and nodejs_* collectors; default true. */
  processMetrics?: boolean
}

export function createBrokerMetrics(
  services: BrokerServices,
  options: BrokerMetricsOptions = {},
): BrokerMetrics {
  const registry = new Registry()
  const traffic = new TrafficRecorder(registry)
  const eventLoop = new EventLoopMonitor()
  const stats = services.stats
  const r = [registry]

  // Totals kept elsewhere, exposed as counters: reset + inc copies the current value in.
  const fromStats = (name: string, help: string, read: () => number): void => {
    new Counter({
      name,
      help,
      registers: r,
      collect() {
        this.reset()
        this.inc(read())
      },
    })
  }
  new Counter({
    name: 'samsa_bytes_sent_total',
    help: 'Response bytes written to sockets: file regions by sendfile or copied, and buffers',
    labelNames: ['method'],
    registers: r,
    collect() {
      this.reset()
      this.inc({ method: 'sendfile' }, stats.sendfileBytes)
      this.inc({ method: 'copy' }, stats.copiedBytes)
      this.inc({ method: 'buffer' }, stats.bufferBytes)
    },
  })
  fromStats('samsa_sendfile_calls_total', 'Native sendfile operations', () => stats.sendfileCalls)
  fromStats(
    'samsa_sendfile_failures_total',
    'Native sendfile operations that failed',
    () => stats.sendfileFailures,
  )
  fromStats('samsa_request_bytes_total', 'Request bytes received', () => stats.requestBytes)
  fromStats(
    'samsa_connections_opened_total',
    'Client connections accepted',
    () => stats.connectionsOpened,
  )
  fromStats(
    'samsa_connections_rejected_total',
    'Connections closed by the broker because of bad input',
    () => stats.connectionsRejected,
  )
  fromStats(
    'samsa_handler_errors_total',
    'Requests whose handler failed',
    () => stats.handlerErrors,
  )
  new Gauge({
    name: 'samsa_connections',
    help: 'Client connections open now',
    registers: r,
    collect() {
      this.set(stats.connectionsOpened - stats.connectionsClosed)
    },
  })

  const sessions = services.fetchSessions
  new Gauge({
    name: 'samsa_fetch_sessions',
    help: 'Incremental fetch sessions cached (KIP-227; Kafka: NumIncrementalFetchSessions)',
    registers: r,
    collect() {
      this.set(sessions.size)
    },
  })
  new Gauge({
    name: 'samsa_fetch_session_partitions',
    help: 'Partitions cached over all fetch sessions',
    registers: r,
    collect() {
      this.set(sessions.totalPartitions)
    },
  })
  fromStats(
    'samsa_fetch_session_evictions_total',
    'Fetch sessions evicted to make room for a new one',
    () => sessions.evicted,
  )

  new Gauge({
    name: 'samsa_partitions',
    help: 'Partition logs hosted by this broker',
    registers: r,
    collect() {
      this.set(services.logs.all().length)
    },
  })
  new Gauge({
    name: 'samsa_offline_partitions',
    help: 'Partition logs taken offline by a storage error',
    registers: r,
    collect() {
      this.set(services.logs.all().filter((l) => l.offline).length)
    },
  })
  new Gauge({
    name: 'samsa_under_replicated_partitions',
    help: 'Partitions with fewer in-sync replicas than replicas (always 0 on a single node)',
    registers: r,
    collect() {
      this.set(0)
    },
  })
  const perPartition = (name: string, help: string, read: (l: PartitionLog) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['topic', 'partition'],
      registers: r,
      collect() {
        this.reset()
        for (const l of services.logs.all()) {
          if (!l.offline) this.set({ topic: l.topic, partition: String(l.partition) }, read(l))
        }
      },
    })
  }
  perPartition('samsa_log_size_bytes', 'Bytes in the segments of a partition log', (l) =>
    l.sizeInBytes(),
  )
  perPartition('samsa_log_start_offset', 'First offset of a partition log', (l) => l.logStartOffset)
  perPartition('samsa_log_end_offset', 'Next offset of a partition log', (l) => l.logEndOffset)
  perPartition('samsa_high_watermark', 'High watermark of a partition', (l) => l.highWatermark)

  new Gauge({
    name: 'samsa_consumer_group_lag',
    help: 'High watermark minus the committed offset, per group and partition',
    labelNames: ['group', 'topic', 'partition'],
    registers: r,
    collect() {
      this.reset()
      for (const g of groupLags(services) ?? []) {
        this.set({ group: g.group, topic: g.topic, partition: String(g.partition) }, g.lag)
      }
    },
  })
  new Gauge({
    name: 'samsa_event_loop_delay_seconds',
    help: 'Event-loop delay over the last few seconds (p50, p99, max)',
    labelNames: ['quantile'],
    registers: r,
    collect() {
      const d = eventLoop.read()
      this.set({ quantile: '0.5' }, d.p50)
      this.set({ quantile: '0.99' }, d.p99)
      this.set({ quantile: '1' }, d.max)
    },
  })
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry })

  stats.traffic = traffic
  return {
    registry,
    traffic,
    eventLoop,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close() {
      if (stats.traffic === traffic) stats.traffic = undefined
      eventLoop.close()
    },
  }
}
