// Partition reassignment end to end: etcd and three broker processes. An RF=1 partition holding
// data moves from broker 1 to broker 2 through `samsa topics reassign`; afterwards Metadata shows
// replicas [2] led by broker 2, every record reads back from broker 2 alone, broker 1 deleted its
// local log, and `samsa topics reassign --list` has nothing left.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'
import { runSamsa } from '../helpers/broker-process.js'
import { consume, createTopic, partition0, produce, until, useCluster } from './fixture.js'

const fx = useCluster(3, { set: { 'replica.lag.time.max.ms': '3000' } })

function reassignTo(replicas: string, bootstrap: string): ReturnType<typeof runSamsa> {
  const args = ['--topic', 'mv', '--partition', '0', '--replicas', replicas]
  return runSamsa(['topics', 'reassign', ...args, '--bootstrap-server', bootstrap])
}

it('moves an RF=1 partition with data from broker 1 to broker 2', async () => {
  expect(await createTopic(fx.cluster.bootstrap, 'mv', { brokerIds: [1] })).toBe(0)
  await until('leader 1', async () =>
    (await partition0(fx.cluster.bootstrap, 'mv'))?.leaderId === 1 ? true : undefined,
  )
  const values = Array.from({ length: 200 }, (_, i) => `v-${i}`)
  await produce(fx.cluster.bootstrap, 'mv', values)
  const [b1, b2] = fx.cluster.brokers
  if (b1 === undefined || b2 === undefined) throw new Error('cluster not started')
  expect(existsSync(path.join(b1.dataDir, 'mv-0'))).toBe(true)

  const run = await reassignTo('2', b2.bootstrap)
  expect(run.output).toContain('Started the reassignment of mv-0')
  expect(run.code).toBe(0)

  const moved = await until('replicas [2] led by 2', async () => {
    const p = await partition0(fx.cluster.bootstrap, 'mv')
    return p !== undefined && p.leaderId === 2 && p.replicaNodes.length === 1 ? p : undefined
  })
  expect(moved.replicaNodes).toEqual([2])
  expect(moved.isrNodes).toEqual([2])
  expect(moved.leaderEpoch).toBeGreaterThan(0)

  expect(await consume(b2.bootstrap, 'mv')).toEqual(values)
  await until('broker 1 deleted its log', async () =>
    existsSync(path.join(b1.dataDir, 'mv-0')) ? undefined : true,
  )
  expect(existsSync(path.join(b2.dataDir, 'mv-0'))).toBe(true)

  // Writes go to the new leader.
  await produce(b2.bootstrap, 'mv', ['after'])
  expect(await consume(b2.bootstrap, 'mv')).toEqual([...values, 'after'])

  const list = await runSamsa(['topics', 'reassign', '--list', '--bootstrap-server', b1.bootstrap])
  expect(list.code).toBe(0)
  expect(list.output).toContain('No partition reassignments in progress.')
  const bad = await reassignTo('7', b1.bootstrap)
  expect(bad.code).not.toBe(0)
  expect(bad.output).toContain('INVALID_REPLICA_ASSIGNMENT')
}, 90_000)
