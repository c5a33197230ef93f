// Starts N real broker processes (node.id 1..N) against one etcd in cluster mode, with short
// sessions so failures are noticed in about two seconds. Processes and temp dirs are stopped and
// removed by broker-process.ts's afterAll (and by stop() here).

import { randomUUID } from 'node:crypto'
import { startBrokerProcess } from './broker-process.js'
import type { BrokerProcess } from './broker-process.js'

export interface ClusterOptions {
  /** metadata.store URL, e.g. from startEtcd(). */
  etcdUrl: string
  /** Extra properties for every broker. */
  set?: Record<string, string>
  /** Per-broker extra properties, by index. */
  setFor?: (index: number) => Record<string, string>
  /** Shared cluster.id; default a fresh one (a new etcd prefix per cluster). */
  clusterId?: string
}

export interface TestCluster {
  readonly clusterId: string
  readonly brokers: BrokerProcess[]
  /** All bootstrap addresses, comma-separated. */
  readonly bootstrap: string
  /** Starts broker number `index` (0-based) again, e.g. after a kill. */
  restart(index: number): Promise<BrokerProcess>
  stop(): Promise<void>
}

export async function startCluster(size: number, options: ClusterOptions): Promise<TestCluster> {
  const clusterId = options.clusterId ?? `c${randomUUID().replace(/-/g, '').slice(0, 20)}`
  const dirs: Array<string | undefined> = []
  const props = (i: number): Record<string, string> => ({
    'node.id': String(i + 1),
    'cluster.id': clusterId,
    'metadata.store': options.etcdUrl,
    'samsa.broker.session.timeout.ms': '2000',
    'offsets.topic.num.partitions': '6',
    ...options.set,
    ...options.setFor?.(i),
  })
  const start = async (i: number): Promise<BrokerProcess> => {
    const b = await startBrokerProcess({ set: props(i), dataDir: dirs[i] })
    dirs[i] = b.dataDir
    return b
  }
  // One at a time: the first broker creates __consumer_offsets, later ones find it.
  const brokers: BrokerProcess[] = []
  for (let i = 0; i < size; i++) brokers.push(await start(i))
  return {
    clusterId,
    brokers,
    get bootstrap() {
      return brokers.map((b) => b.bootstrap).join(',')
    },
    async restart(index: number) {
      const b = await start(index)
      brokers[index] = b
      return b
    },
    async stop() {
      await Promise.all(brokers.map((b) => b.stop().catch(() => null)))
    },
  }
}
