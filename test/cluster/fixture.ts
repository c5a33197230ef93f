// What the end-to-end cluster tests share: etcd plus N broker processes started once per test
// file, a polling wait, and small metadata / topic / kcat helpers that talk to that cluster.
import { afterAll, beforeAll } from 'vitest'
import { AdminClient } from '../../src/admin/client/client.js'
import {
  FindCoordinatorRequestSchema,
  FindCoordinatorResponseSchema,
} from '../../src/protocol/messages/find-coordinator.js'
import type {
  FindCoordinatorRequest,
  FindCoordinatorResponse,
} from '../../src/protocol/messages/find-coordinator.js'
import type { MetadataResponse } from '../../src/protocol/messages/metadata.js'
import { startCluster } from '../helpers/cluster.js'
import type { TestCluster } from '../helpers/cluster.js'
import { startEtcd } from '../helpers/etcd.js'
import type { EtcdServer } from '../helpers/etcd.js'
import { runKcat } from '../helpers/kcat.js'

export type PartitionMeta = MetadataResponse['topics'][number]['partitions'][number]

export interface ClusterFixture {
  readonly etcd: EtcdServer
  readonly cluster: TestCluster
}

export interface ClusterFixtureOptions {
  /** Extra properties for every broker. */
  set?: Record<string, string>
  /** Runs before the cluster is stopped, e.g. to SIGCONT a stopped process. */
  beforeStop?: () => void
}

/** Starts etcd and `size` brokers before the file's tests and stops both after them. */
export function useCluster(size: number, options: ClusterFixtureOptions = {}): ClusterFixture {
  let etcd: EtcdServer | undefined
  let cluster: TestCluster | undefined
  beforeAll(async () => {
    etcd = await startEtcd()
    cluster = await startCluster(size, { etcdUrl: etcd.url, set: options.set })
  }, 90_000)
  afterAll(async () => {
    options.beforeStop?.()
    await cluster?.stop()
    await etcd?.stop()
  }, 30_000)
  return {
    get etcd() {
      if (etcd === undefined) throw new Error('etcd not started')
      return etcd
    },
    get cluster() {
      if (cluster === undefined) throw new Error('cluster not started')
      return cluster
    },
  }
}

/** Polls `get` until it gives a value; errors count as "not yet" and the last one is reported. */
export async function until<T>(
  what: string,
  get: () => Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown = null
  for (;;) {
    try {
      const v = await get()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last === null ? '' : `: ${String(last)}`}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Runs `fn` with a client of `bootstrap` and closes the client afterwards. */
export async function withAdmin<T>(
  bootstrap: string,
  fn: (client: AdminClient) => Promise<T>,
  timeoutMs?: number,
): Promise<T> {
  const client = await AdminClient.connect(bootstrap, timeoutMs === undefined ? {} : { timeoutMs })
  try {
    return await fn(client)
  } finally {
    await client.close().catch(() => undefined)
  }
}

export function metadataFrom(
  bootstrap: string,
  topics: string[] | null,
): Promise<MetadataResponse> {
  return withAdmin(bootstrap, (c) => c.metadata(topics), 2000)
}

/** Partition 0 of `topic` as `bootstrap` sees it. */
export async function partition0(
  bootstrap: string,
  topic: string,
): Promise<PartitionMeta | undefined> {
  return (await metadataFrom(bootstrap, [topic])).topics[0]?.partitions[0]
}

/**
 * Creates a one-partition topic (or one on the given replicas) with the given topic configs;
 * returns the topic's error code.
 */
export async function createTopic(
  bootstrap: string,
  name: string,
  replicas: { replicationFactor: number } | { brokerIds: number[] } = { replicationFactor: 3 },
  topicConfigs: Record<string, string> = {},
): Promise<number | undefined> {
  const configs = Object.entries(topicConfigs).map(([n, value]) => ({ name: n, value }))
  const topic =
    'brokerIds' in replicas
      ? {
          name,
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: replicas.brokerIds }],
          configs,
        }
      : { name, numPartitions: 1, ...replicas, assignments: [], configs }
  const res = await withAdmin(bootstrap, (c) => c.createTopics({ topics: [topic] }))
  return res.topics[0]?.errorCode
}

/** FindCoordinator for a consumer group, asked of `bootstrap`. */
export function findCoordinator(
  bootstrap: string,
  group: string,
): Promise<FindCoordinatorResponse> {
  return withAdmin(bootstrap, (c) =>
    c.any.sendAt<Partial<FindCoordinatorRequest>, FindCoordinatorResponse>(
      FindCoordinatorRequestSchema,
      FindCoordinatorResponseSchema,
      3,
      { key: group, keyType: 0 },
    ),
  )
}

/** acks=all writes of `vals` to partition 0 through kcat, one value per line. */
export async function produce(bootstrap: string, topic: string, vals: string[]): Promise<void> {
  await runKcat(
    bootstrap,
    ['-P', '-t', topic, '-p', '0', '-X', 'acks=all', '-X', 'message.timeout.ms=20000'],
    vals.join('\n') + '\n',
  )
}

/** Every value of partition 0 from the beginning, through kcat. */
export async function consume(bootstrap: string, topic: string): Promise<string[]> {
  const run = await runKcat(bootstrap, [
    '-C',
    '-t',
    topic,
    '-p',
    '0',
    '-o',
    'beginning',
    '-e',
    '-q',
  ])
  return run.stdout.split('\n').filter((l) => l.length > 0)
}
