// Three broker processes in cluster mode, RF=3, min.insync.replicas=2: acks=all writes through
// kcat survive a SIGKILL of the leader (a new leader comes from the ISR), the restarted old
// leader catches up and rejoins the ISR, and every acknowledged value reads back exactly once.
import { expect, it } from 'vitest'
import { consume, createTopic, partition0, produce, until, useCluster } from '../fixture.js'

const fx = useCluster(3, { set: { 'min.insync.replicas': '2', 'replica.lag.time.max.ms': '3000' } })

it('acks=all survives the leader’s SIGKILL and the old leader catches up', async () => {
  await createTopic(fx.cluster.bootstrap, 'rt')
  const first = await until('a full ISR', async () => {
    const p = await partition0(fx.cluster.bootstrap, 'rt')
    return p !== undefined && p.leaderId > 0 && p.isrNodes.length === 3 ? p : undefined
  })
  const batch1 = Array.from({ length: 50 }, (_, i) => `a-${i}`)
  await produce(fx.cluster.bootstrap, 'rt', batch1)
  const leaderIndex = first.leaderId - 1
  const leaderAddr = fx.cluster.brokers[leaderIndex].bootstrap
  expect(await consume(leaderAddr, 'rt')).toEqual(batch1)

  await fx.cluster.brokers[leaderIndex].kill9()
  const others = fx.cluster.brokers.filter((_, i) => i !== leaderIndex).map((b) => b.bootstrap)
  const second = await until('a new leader', async () => {
    const p = await partition0(others.join(','), 'rt')
    return p !== undefined && p.leaderId > 0 && p.leaderId !== first.leaderId ? p : undefined
  })
  expect(first.isrNodes).toContain(second.leaderId)
  const batch2 = Array.from({ length: 50 }, (_, i) => `b-${i}`)
  await produce(others.join(','), 'rt', batch2)

  await fx.cluster.restart(leaderIndex)
  await until('the old leader back in the ISR', async () => {
    const p = await partition0(fx.cluster.bootstrap, 'rt')
    return p !== undefined && p.isrNodes.includes(first.leaderId) ? p : undefined
  })
  const all = await consume(fx.cluster.bootstrap, 'rt')
  expect(all).toEqual([...batch1, ...batch2])
  expect(new Set(all).size).toBe(all.length)
}, 120_000)
