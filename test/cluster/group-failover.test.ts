// The group coordinator in cluster mode: __consumer_offsets is created on the first
// FindCoordinator with RF 3, commits are replicated before they are acknowledged, and when the
// coordinator broker is SIGKILLed the new leader of the group's offsets partition loads the group
// and a consumer of that group resumes from the committed offset.
import { Kafka, logLevel } from 'kafkajs'
import type { Consumer } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { partitionForGroup } from '../../src/group/records.js'
import { findCoordinator, until, useCluster, withAdmin } from './fixture.js'

const fx = useCluster(3, { set: { 'min.insync.replicas': '2' } })

async function coordinatorOf(bootstrap: string, group: string): Promise<number | undefined> {
  const res = await findCoordinator(bootstrap, group)
  return res.errorCode === 0 ? res.nodeId : undefined
}

/** Runs a consumer of `group` until it has `count` messages; returns their offsets and values. */
async function consume(
  kafka: Kafka,
  group: string,
  count: number,
): Promise<{ consumer: Consumer; seen: { offset: number; value: string }[] }> {
  const consumer = kafka.consumer({
    groupId: group,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  })
  const seen: { offset: number; value: string }[] = []
  await consumer.connect()
  await consumer.subscribe({ topic: 'orders', fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      seen.push({ offset: Number(message.offset), value: message.value?.toString() ?? '' })
    },
  })
  await until(`${count} messages`, async () => (seen.length >= count ? true : undefined), 30_000)
  return { consumer, seen }
}

describe('group coordinator failover', () => {
  it('a group resumes from its committed offsets after the coordinator is SIGKILLed', async () => {
    const kafka = new Kafka({
      clientId: 'failover',
      brokers: fx.cluster.brokers.map((b) => b.bootstrap),
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 2000 },
    })
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({
      topics: [{ topic: 'orders', numPartitions: 1, replicationFactor: 3 }],
      waitForLeaders: true,
    })
    const producer = kafka.producer()
    await producer.connect()
    const send = (from: number, to: number): Promise<unknown> =>
      producer.send({
        topic: 'orders',
        acks: -1,
        messages: Array.from({ length: to - from }, (_, i) => ({ value: `m${from + i}` })),
      })
    await send(0, 10)

    const group = 'g-failover'
    const first = await consume(kafka, group, 10)
    expect(first.seen.map((m) => m.value)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`))
    await first.consumer.commitOffsets([{ topic: 'orders', partition: 0, offset: '10' }])
    await first.consumer.disconnect()

    // The offsets topic was created lazily with all three brokers up: RF 3, full ISR.
    const md = await until('offsets topic', () =>
      withAdmin(fx.cluster.bootstrap, async (client) => {
        const t = await client.topic('__consumer_offsets')
        return t.partitions.length === 6 ? t : undefined
      }),
    )
    const part = md.partitions.find((p) => p.partitionIndex === partitionForGroup(group, 6))
    expect([...(part?.replicaNodes ?? [])].sort()).toEqual([1, 2, 3])

    const coordinator = await until('coordinator', () => coordinatorOf(fx.cluster.bootstrap, group))
    expect(coordinator).toBe(part?.leaderId)
    const victim = fx.cluster.brokers[coordinator - 1]
    if (victim === undefined) throw new Error('no coordinator broker')
    await victim.kill9()
    const survivors = fx.cluster.brokers.filter((b) => b !== victim).map((b) => b.bootstrap)

    const next = await until('new coordinator', async () => {
      const id = await coordinatorOf(survivors.join(','), group)
      return id !== undefined && id !== coordinator ? id : undefined
    })
    expect(next).not.toBe(coordinator)

    const kafka2 = new Kafka({
      clientId: 'failover-2',
      brokers: survivors,
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 2000 },
    })
    const admin2 = kafka2.admin()
    await admin2.connect()
    const committed = await until('committed offsets on the new coordinator', async () => {
      const res = await admin2.fetchOffsets({ groupId: group, topics: ['orders'] })
      return res[0]?.partitions[0]?.offset
    })
    expect(committed).toBe('10')
    await admin2.disconnect()
    await producer.disconnect()
    await admin.disconnect()

    const producer2 = kafka2.producer()
    await producer2.connect()
    await producer2.send({
      topic: 'orders',
      acks: -1,
      messages: Array.from({ length: 5 }, (_, i) => ({ value: `m${10 + i}` })),
    })
    await producer2.disconnect()
    const second = await consume(kafka2, group, 5)
    await second.consumer.disconnect()
    // It resumed at the committed offset: nothing before offset 10 was read again.
    expect(second.seen.map((m) => m.offset)).toEqual([10, 11, 12, 13, 14])
    expect(second.seen.map((m) => m.value)).toEqual(['m10', 'm11', 'm12', 'm13', 'm14'])
  }, 120_000)
})
