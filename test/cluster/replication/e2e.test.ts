// Three broker processes in cluster mode, RF=3, min.insync.replicas=2: acks=all writes through
// kcat survive a SIGKILL of the leader (a new leader comes from the ISR), the restarted old
// leader catches up and rejoins the ISR, and every acknowledged value reads back exactly once.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { AdminClient } from '../../../src/admin/client/client.js'
import type { MetadataResponse } from '../../../src/protocol/messages/metadata.js'
import { startCluster } from '../../helpers/cluster.js'
import type { TestCluster } from '../../helpers/cluster.js'
import { startEtcd } from '../../helpers/etcd.js'
import type { EtcdServer } from '../../helpers/etcd.js'
import { runKcat } from '../../helpers/kcat.js'

let etcd: EtcdServer
let cluster: TestCluster

beforeAll(async () => {
  etcd = await startEtcd()
  cluster = await startCluster(3, {
    etcdUrl: etcd.url,
    set: { 'min.insync.replicas': '2', 'replica.lag.time.max.ms': '3000' },
  })
}, 90_000)

afterAll(async () => {
  await cluster?.stop()
  await etcd?.stop()
}, 30_000)

async function partitionInfo(
  bootstrap: string,
): Promise<MetadataResponse['topics'][number]['partitions'][number] | undefined> {
  const client = await AdminClient.connect(bootstrap)
  try {
    const md = await client.metadata(['rt'])
    return md.topics[0]?.partitions[0]
  } catch {
    return undefined
  } finally {
    await client.close()
  }
}

async function until<T>(what: string, get: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await get()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function produceAll(bootstrap: string, vals: string[]): Promise<void> {
  await runKcat(bootstrap, ['-P', '-t', 'rt', '-p', '0', '-X', 'acks=all'], vals.join('\n') + '\n')
}

async function consumeAll(bootstrap: string): Promise<string[]> {
  const run = await runKcat(bootstrap, ['-C', '-t', 'rt', '-p', '0', '-o', 'beginning', '-e', '-q'])
  return run.stdout.split('\n').filter((l) => l.length > 0)
}

it('acks=all survives the leader’s SIGKILL and the old leader catches up', async () => {
  const admin = await AdminClient.connect(cluster.bootstrap)
  try {
    await admin.createTopics({
      topics: [
        { name: 'rt', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] },
      ],
    })
  } finally {
    await admin.close()
  }
  const first = await until('a full ISR', async () => {
    const p = await partitionInfo(cluster.bootstrap)
    return p !== undefined && p.leaderId > 0 && p.isrNodes.length === 3 ? p : undefined
  })
  const batch1 = Array.from({ length: 50 }, (_, i) => `a-${i}`)
  await produceAll(cluster.bootstrap, batch1)
  const leaderIndex = first.leaderId - 1
  const leaderAddr = cluster.brokers[leaderIndex].bootstrap
  expect(await consumeAll(leaderAddr)).toEqual(batch1)

  await cluster.brokers[leaderIndex].kill9()
  const others = cluster.brokers.filter((_, i) => i !== leaderIndex).map((b) => b.bootstrap)
  const second = await until('a new leader', async () => {
    const p = await partitionInfo(others.join(','))
    return p !== undefined && p.leaderId > 0 && p.leaderId !== first.leaderId ? p : undefined
  })
  expect(first.isrNodes).toContain(second.leaderId)
  const batch2 = Array.from({ length: 50 }, (_, i) => `b-${i}`)
  await produceAll(others.join(','), batch2)

  await cluster.restart(leaderIndex)
  await until('the old leader back in the ISR', async () => {
    const p = await partitionInfo(cluster.bootstrap)
    return p !== undefined && p.isrNodes.includes(first.leaderId) ? p : undefined
  })
  const all = await consumeAll(cluster.bootstrap)
  expect(all).toEqual([...batch1, ...batch2])
  expect(new Set(all).size).toBe(all.length)
}, 120_000)
