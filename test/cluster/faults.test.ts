// Faults beyond a crash, with etcd and three broker processes (RF=3, min.insync.replicas=2,
// replica.lag.time.max.ms=3000, 2 s sessions):
// - SIGSTOP of the leader for longer than the lag time: a new leader is elected and acks=all
//   writes continue; after SIGCONT the old leader (its lease gone, its epoch fenced) stops
//   leading, truncates if needed and rejoins the ISR; every acknowledged value reads back once.
// - etcd killed and started again on the same data dir and port: the brokers register again,
//   the cluster keeps serving, and an acks=all write after the restart succeeds.
// - the leader's partition log fails (its directory replaced by a file, so the next segment
//   roll fails with ENOTDIR): the broker reports the replica offline, another replica leads,
//   acks=all writes continue; once the directory is back and the broker restarted, it catches up
//   and rejoins the ISR.
import fs from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'
import type { BrokerProcess } from '../helpers/broker-process.js'
import {
  consume,
  createTopic,
  metadataFrom,
  partition0,
  produce,
  until,
  useCluster,
} from './fixture.js'

const stopped = new Set<BrokerProcess>()
const fx = useCluster(3, {
  set: { 'min.insync.replicas': '2', 'replica.lag.time.max.ms': '3000' },
  // A stopped process ignores SIGTERM until continued.
  beforeStop: () => {
    for (const b of stopped) b.proc.kill('SIGCONT')
  },
})

it('a SIGSTOPped leader is replaced, then steps down and rejoins the ISR', async () => {
  expect(await createTopic(fx.cluster.bootstrap, 'ss')).toBe(0)
  const first = await until('a full ISR', async () => {
    const p = await partition0(fx.cluster.bootstrap, 'ss')
    return p !== undefined && p.leaderId > 0 && p.isrNodes.length === 3 ? p : undefined
  })
  const batch1 = Array.from({ length: 50 }, (_, i) => `a-${i}`)
  await produce(fx.cluster.bootstrap, 'ss', batch1)

  const old = fx.cluster.brokers[first.leaderId - 1]
  if (old === undefined) throw new Error('leader not found')
  const others = fx.cluster.brokers.filter((b) => b !== old)
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
      const p = await partition0(fx.cluster.bootstrap, 'ss')
      return p !== undefined && p.isrNodes.length === 3 && p.leaderId > 0 ? p : undefined
    },
    45_000,
  )
  expect(healed.isrNodes).toContain(first.leaderId)
  expect(healed.leaderEpoch).toBeGreaterThan(first.leaderEpoch)
  const batch3 = Array.from({ length: 50 }, (_, i) => `c-${i}`)
  await produce(fx.cluster.bootstrap, 'ss', batch3)
  expect(await consume(fx.cluster.bootstrap, 'ss')).toEqual([...batch1, ...batch2, ...batch3])
  // The old leader learnt that it no longer led (session loss, fenced epoch) before rejoining.
  expect(old.output()).toMatch(/session lost|became follower/)
}, 120_000)

it('survives an etcd restart: brokers register again and writes continue', async () => {
  expect(await createTopic(fx.cluster.bootstrap, 'er')).toBe(0)
  await until('a full ISR', async () => {
    const p = await partition0(fx.cluster.bootstrap, 'er')
    return p !== undefined && p.leaderId > 0 && p.isrNodes.length === 3 ? p : undefined
  })
  const before = Array.from({ length: 20 }, (_, i) => `x-${i}`)
  await produce(fx.cluster.bootstrap, 'er', before)

  await fx.etcd.restart({ downMs: 1000 })

  for (const b of fx.cluster.brokers)
    await until(`broker ${b.bootstrap} sees 3 registered brokers`, async () => {
      const md = await metadataFrom(b.bootstrap, ['er'])
      return md.brokers.length === 3 && (md.topics[0]?.partitions[0]?.leaderId ?? -1) > 0
        ? true
        : undefined
    })
  const after = Array.from({ length: 20 }, (_, i) => `y-${i}`)
  await until('an acks=all write after the restart', async () => {
    await produce(fx.cluster.bootstrap, 'er', after)
    return true
  })
  const read = await consume(fx.cluster.bootstrap, 'er')
  expect(read.slice(0, before.length)).toEqual(before)
  // A retried write may have been stored before its answer was lost: each value at least once.
  for (const v of after) expect(read).toContain(v)
  await until('a full ISR again', async () => {
    const p = await partition0(fx.cluster.bootstrap, 'er')
    return p !== undefined && p.isrNodes.length === 3 ? true : undefined
  })
}, 120_000)

it('a leader whose partition log fails hands leadership over and rejoins after a restart', async () => {
  // Each produce below (10 values, about 700 bytes) rolls a segment: the first append after the
  // sabotage must open a file.
  const created = await createTopic(
    fx.cluster.bootstrap,
    'lf',
    { replicationFactor: 3 },
    { 'segment.bytes': '1000' },
  )
  expect(created).toBe(0)
  const first = await until('a full ISR', async () => {
    const p = await partition0(fx.cluster.bootstrap, 'lf')
    return p !== undefined && p.leaderId > 0 && p.isrNodes.length === 3 ? p : undefined
  })
  const value = (tag: string, i: number): string => `${tag}-${i}-${'v'.repeat(40)}`
  const batch1 = Array.from({ length: 10 }, (_, i) => value('a', i))
  await produce(fx.cluster.bootstrap, 'lf', batch1)

  const index = first.leaderId - 1
  const old = fx.cluster.brokers[index]
  if (old === undefined) throw new Error('leader not found')
  const dir = path.join(old.dataDir, 'lf-0')
  fs.renameSync(dir, dir + '.aside')
  fs.writeFileSync(dir, 'not a directory')

  // The write that hits the failed log gets KAFKA_STORAGE_ERROR; kcat retries on the new leader.
  const batch2 = Array.from({ length: 10 }, (_, i) => value('b', i))
  await produce(fx.cluster.bootstrap, 'lf', batch2)
  const next = await until('a new leader', async () => {
    const p = await partition0(fx.cluster.bootstrap, 'lf')
    return p !== undefined && p.leaderId > 0 && p.leaderId !== first.leaderId ? p : undefined
  })
  expect(next.leaderEpoch).toBeGreaterThan(first.leaderEpoch)
  expect(next.isrNodes).not.toContain(first.leaderId)
  expect(next.offlineReplicas).toEqual([first.leaderId])
  expect(old.output()).toMatch(/partition offline after a storage error/)
  expect(old.output()).toMatch(/reporting an offline replica to the controller/)
  const batch3 = Array.from({ length: 10 }, (_, i) => value('c', i))
  await produce(fx.cluster.bootstrap, 'lf', batch3)
  expect(await consume(fx.cluster.bootstrap, 'lf')).toEqual([...batch1, ...batch2, ...batch3])

  // The disk is repaired: the old replica's files are back and the broker restarts.
  await old.stop()
  fs.rmSync(dir)
  fs.renameSync(dir + '.aside', dir)
  await fx.cluster.restart(index)
  const healed = await until(
    'the old leader back in the ISR',
    async () => {
      const p = await partition0(fx.cluster.bootstrap, 'lf')
      return p !== undefined && p.isrNodes.length === 3 && p.offlineReplicas.length === 0
        ? p
        : undefined
    },
    45_000,
  )
  expect(healed.isrNodes).toContain(first.leaderId)
  const batch4 = Array.from({ length: 10 }, (_, i) => value('d', i))
  await produce(fx.cluster.bootstrap, 'lf', batch4)
  expect(await consume(fx.cluster.bootstrap, 'lf')).toEqual([
    ...batch1,
    ...batch2,
    ...batch3,
    ...batch4,
  ])
}, 120_000)
