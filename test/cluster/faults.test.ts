// Faults beyond a crash, with etcd and three broker processes (RF=3, min.insync.replicas=2,
// replica.lag.time.max.ms=3000, 2 s sessions):
// - SIGSTOP of the leader for longer than the lag time: a new leader is elected and acks=all
//   writes continue; after SIGCONT the old leader (its lease gone, its epoch fenced) stops
//   leading, truncates if needed and rejoins the ISR; every acknowledged value reads back once.
// - etcd killed and started again on the same data dir and port: the brokers register again,
//   the cluster keeps serving, and an acks=all write after the restart succeeds.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { AdminClient } from '../../src/admin/client/client.js'
import type { MetadataResponse } from '../../src/protocol/messages/metadata.js'
import type { BrokerProcess } from '../helpers/broker-process.js'
import { startCluster } from '../helpers/cluster.js'
import type { TestCluster } from '../helpers/cluster.js'
import { startEtcd } from '../helpers/etcd.js'
import type { EtcdServer } from '../helpers/etcd.js'
import { runKcat } from '../helpers/kcat.js'

type PartitionMeta = MetadataResponse['topics'][number]['partitions'][number]

let etcd: EtcdServer
let cluster: TestCluster
const stopped = new Set<BrokerProcess>()

beforeAll(async () => {
  etcd = await startEtcd()
  cluster = await startCluster(3, {
    etcdUrl: etcd.url,
    set: { 'min.insync.replicas': '2', 'replica.lag.time.max.ms': '3000' },
  })
}, 90_000)

afterAll(async () => {
  // A stopped process ignores SIGTERM until continued.
  for (const b of stopped) b.proc.kill('SIGCONT')
  await cluster?.stop()
  await etcd?.stop()
}, 30_000)

async function until<T>(what: string, get: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
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

async function partition0(bootstrap: string, topic: string): Promise<PartitionMeta | undefined> {
  const client = await AdminClient.connect(bootstrap, { timeoutMs: 2000 })
  try {
    return (await client.metadata([topic])).topics[0]?.partitions[0]
  } finally {
    await client.close()
  }
}

async function createTopic(name: string): Promise<void> {
  const admin = await AdminClient.connect(cluster.bootstrap)
  try {
    const res = await admin.createTopics({
      topics: [{ name, numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }],
    })
    expect(res.topics[0]?.errorCode).toBe(0)
  } finally {
    await admin.close()
  }
}

function produce(bootstrap: string, topic: string, vals: string[]): Promise<unknown> {
  return runKcat(
    bootstrap,
    ['-P', '-t', topic, '-p', '0', '-X', 'acks=all', '-X', 'message.timeout.ms=20000'],
    vals.join('\n') + '\n',
  )
}

async function consume(bootstrap: string, topic: string): Promise<string[]> {
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

it('a SIGSTOPped leader is replaced, then steps down and rejoins the ISR', async () => {
  await createTopic('ss')
  const first = await until('a full ISR', async () => {
    const p = await partition0(cluster.bootstrap, 'ss')
    return p !== undefined && p.leaderId > 0 && p.isrNodes.length === 3 ? p : undefined
  })
  const batch1 = Array.from({ length: 50 }, (_, i) => `a-${i}`)
  await produce(cluster.bootstrap, 'ss', batch1)

  const old = cluster.brokers[first.leaderId - 1]
  if (old === undefined) throw new Error('leader not found')
  const others = cluster.brokers.filter((b) => b !== old)
  const othersBootstrap = others.map((b) => b.bootstrap).join(',')
  old.proc.kill('SIGSTOP')
  stopped.add(old)
  const stoppedAt = Date.now()

  const next = await until('a new leader', async () => {
    const p = await partition0(othersBootstrap, 'ss')
    return p !== undefined && p.leaderId > 0 && p.leaderId !== first.leaderId ? p : undefined
  })
  expect(next.leaderEpoch).toBeGreaterThan(first.leaderEpoch)
  expect(next.isrNodes).not.toContain(first.leaderId)
  const batch2 = Array.from({ length: 50 }, (_, i) => `b-${i}`)
  await produce(othersBootstrap, 'ss', batch2)

  // Stay stopped past replica.lag.time.max.ms, then continue.
  const wait = 3500 - (Date.now() - stoppedAt)
  if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  old.proc.kill('SIGCONT')
  stopped.delete(old)

  const healed = await until(
    'the old leader back in the ISR',
    async () => {
      const p = await partition0(cluster.bootstrap, 'ss')
      return p !== undefined && p.isrNodes.length === 3 && p.leaderId > 0 ? p : undefined
    },
    45_000,
  )
  expect(healed.isrNodes).toContain(first.leaderId)
  expect(healed.leaderEpoch).toBeGreaterThan(first.leaderEpoch)
  const batch3 = Array.from({ length: 50 }, (_, i) => `c-${i}`)
  await produce(cluster.bootstrap, 'ss', batch3)
  expect(await consume(cluster.bootstrap, 'ss')).toEqual([...batch1, ...batch2, ...batch3])
  // The old leader learnt that it no longer led (session loss, fenced epoch) before rejoining.
  expect(old.output()).toMatch(/session lost|became follower/)
}, 120_000)

it('survives an etcd restart: brokers register again and writes continue', async () => {
  await createTopic('er')
  await until('a full ISR', async () => {
    const p = await partition0(cluster.bootstrap, 'er')
    return p !== undefined && p.leaderId > 0 && p.isrNodes.length === 3 ? p : undefined
  })
  const before = Array.from({ length: 20 }, (_, i) => `x-${i}`)
  await produce(cluster.bootstrap, 'er', before)

  await etcd.restart({ downMs: 1000 })

  for (const b of cluster.brokers)
    await until(`broker ${b.bootstrap} sees 3 registered brokers`, async () => {
      const client = await AdminClient.connect(b.bootstrap, { timeoutMs: 2000 })
      try {
        const md = await client.metadata(['er'])
        return md.brokers.length === 3 && (md.topics[0]?.partitions[0]?.leaderId ?? -1) > 0
          ? true
          : undefined
      } finally {
        await client.close()
      }
    })
  const after = Array.from({ length: 20 }, (_, i) => `y-${i}`)
  await until('an acks=all write after the restart', async () => {
    await produce(cluster.bootstrap, 'er', after)
    return true
  })
  const read = await consume(cluster.bootstrap, 'er')
  expect(read.slice(0, before.length)).toEqual(before)
  // A retried write may have been stored before its answer was lost: each value at least once.
  for (const v of after) expect(read).toContain(v)
  await until('a full ISR again', async () => {
    const p = await partition0(cluster.bootstrap, 'er')
    return p !== undefined && p.isrNodes.length === 3 ? true : undefined
  })
}, 120_000)
