// Partition reassignment end to end: etcd and three broker processes. An RF=1 partition holding
// data moves from broker 1 to broker 2 through `samsa topics reassign`; afterwards Metadata shows
// replicas [2] led by broker 2, every record reads back from broker 2 alone, broker 1 deleted its
// local log, and `samsa topics reassign --list` has nothing left.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { AdminClient } from '../../src/admin/client/client.js'
import { runSamsa } from '../helpers/broker-process.js'
import { startCluster } from '../helpers/cluster.js'
import type { TestCluster } from '../helpers/cluster.js'
import { startEtcd } from '../helpers/etcd.js'
import type { EtcdServer } from '../helpers/etcd.js'
import { runKcat } from '../helpers/kcat.js'

let etcd: EtcdServer
let cluster: TestCluster

beforeAll(async () => {
  etcd = await startEtcd()
  cluster = await startCluster(3, { etcdUrl: etcd.url, set: { 'replica.lag.time.max.ms': '3000' } })
}, 90_000)

afterAll(async () => {
  await cluster?.stop()
  await etcd?.stop()
}, 30_000)

async function until<T>(what: string, get: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await get().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

async function partition0(bootstrap: string) {
  const client = await AdminClient.connect(bootstrap)
  try {
    return (await client.metadata(['mv'])).topics[0]?.partitions[0]
  } finally {
    await client.close()
  }
}

it('moves an RF=1 partition with data from broker 1 to broker 2', async () => {
  const admin = await AdminClient.connect(cluster.bootstrap)
  try {
    const res = await admin.createTopics({
      topics: [
        {
          name: 'mv',
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [{ partitionIndex: 0, brokerIds: [1] }],
          configs: [],
        },
      ],
    })
    expect(res.topics[0]?.errorCode).toBe(0)
  } finally {
    await admin.close()
  }
  await until('leader 1', async () =>
    (await partition0(cluster.bootstrap))?.leaderId === 1 ? true : undefined,
  )
  const values = Array.from({ length: 200 }, (_, i) => `v-${i}`)
  await runKcat(
    cluster.bootstrap,
    ['-P', '-t', 'mv', '-p', '0', '-X', 'acks=all'],
    values.join('\n') + '\n',
  )
  const [b1, b2] = cluster.brokers
  if (b1 === undefined || b2 === undefined) throw new Error('cluster not started')
  expect(existsSync(path.join(b1.dataDir, 'mv-0'))).toBe(true)

  const run = await runSamsa([
    'topics',
    'reassign',
    '--topic',
    'mv',
    '--partition',
    '0',
    '--replicas',
    '2',
    '--bootstrap-server',
    b2.bootstrap,
  ])
  expect(run.output).toContain('Started the reassignment of mv-0')
  expect(run.code).toBe(0)

  const moved = await until('replicas [2] led by 2', async () => {
    const p = await partition0(cluster.bootstrap)
    return p !== undefined && p.leaderId === 2 && p.replicaNodes.length === 1 ? p : undefined
  })
  expect(moved.replicaNodes).toEqual([2])
  expect(moved.isrNodes).toEqual([2])
  expect(moved.leaderEpoch).toBeGreaterThan(0)

  const read = await runKcat(b2.bootstrap, [
    '-C',
    '-t',
    'mv',
    '-p',
    '0',
    '-o',
    'beginning',
    '-e',
    '-q',
  ])
  expect(read.stdout.split('\n').filter((l) => l.length > 0)).toEqual(values)
  await until('broker 1 deleted its log', async () =>
    existsSync(path.join(b1.dataDir, 'mv-0')) ? undefined : true,
  )
  expect(existsSync(path.join(b2.dataDir, 'mv-0'))).toBe(true)

  // Writes go to the new leader.
  await runKcat(b2.bootstrap, ['-P', '-t', 'mv', '-p', '0', '-X', 'acks=all'], 'after\n')
  const all = await runKcat(b2.bootstrap, [
    '-C',
    '-t',
    'mv',
    '-p',
    '0',
    '-o',
    'beginning',
    '-e',
    '-q',
  ])
  expect(all.stdout.split('\n').filter((l) => l.length > 0)).toEqual([...values, 'after'])

  const list = await runSamsa(['topics', 'reassign', '--list', '--bootstrap-server', b1.bootstrap])
  expect(list.code).toBe(0)
  expect(list.output).toContain('No partition reassignments in progress.')
  const bad = await runSamsa([
    'topics',
    'reassign',
    '--topic',
    'mv',
    '--partition',
    '0',
    '--replicas',
    '7',
    '--bootstrap-server',
    b1.bootstrap,
  ])
  expect(bad.code).not.toBe(0)
  expect(bad.output).toContain('INVALID_REPLICA_ASSIGNMENT')
}, 90_000)
