// KafkaJS 2.2.4 consumer groups against a real broker process: a 3-member group splits a
// 6-partition topic and reads every message exactly once; a member leaving hands its partitions
// to the others; committed offsets survive a graceful restart and a SIGKILL of the broker; the
// admin client describes, lists and deletes groups. Short session timeouts and a small
// group.initial.rebalance.delay.ms keep it fast.
import { Kafka, logLevel } from 'kafkajs'
import type { Consumer, EachMessagePayload, Producer } from 'kafkajs'
import { afterAll, describe, expect, it } from 'vitest'
import { makeTempDir, startBrokerProcess } from '../helpers/broker-process.js'
import type { BrokerProcess } from '../helpers/broker-process.js'

const SET = {
  'group.initial.rebalance.delay.ms': '100',
  'group.min.session.timeout.ms': '1000',
  'offsets.topic.num.partitions': '5',
}
const SESSION_MS = 6_000

const consumers = new Set<Consumer>()
const producers = new Set<Producer>()
let broker: BrokerProcess | undefined

afterAll(async () => {
  for (const c of consumers) await c.disconnect().catch(() => undefined)
  for (const p of producers) await p.disconnect().catch(() => undefined)
  await broker?.stop().catch(() => undefined)
})

function client(b: BrokerProcess, id: string): Kafka {
  return new Kafka({
    clientId: id,
    brokers: [b.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 },
  })
}

async function produce(
  b: BrokerProcess,
  topic: string,
  from: number,
  count: number,
): Promise<void> {
  const producer = client(b, 'producer').producer()
  producers.add(producer)
  await producer.connect()
  const messages = Array.from({ length: count }, (_, i) => ({
    key: `k${from + i}`,
    value: `v${from + i}`,
  }))
  await producer.send({ topic, messages })
  await producer.disconnect()
  producers.delete(producer)
}

interface Member {
  consumer: Consumer
  seen: string[]
  partitions: Set<number>
}

async function member(
  b: BrokerProcess,
  groupId: string,
  topic: string,
  id: string,
): Promise<Member> {
  const consumer = client(b, id).consumer({
    groupId,
    sessionTimeout: SESSION_MS,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 200,
  })
  consumers.add(consumer)
  const m: Member = { consumer, seen: [], partitions: new Set() }
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    m.partitions = new Set(e.payload.memberAssignment[topic] ?? [])
  })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    autoCommitInterval: 200,
    eachMessage: async ({ message }: EachMessagePayload) => {
      m.seen.push(message.value?.toString() ?? '')
    },
  })
  return m
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function stopMember(m: Member): Promise<void> {
  await m.consumer.disconnect()
  consumers.delete(m.consumer)
}

describe('KafkaJS consumer groups', () => {
  it('a 3-member group consumes each message once; leavers hand over; offsets survive restarts', async () => {
    const dataDir = makeTempDir('samsa-groups-')
    broker = await startBrokerProcess({ dataDir, set: SET })
    const topic = 'orders'
    const admin = client(broker, 'admin').admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true })
    await admin.disconnect()
    await produce(broker, topic, 0, 60)

    const members = [
      await member(broker, 'g1', topic, 'm1'),
      await member(broker, 'g1', topic, 'm2'),
      await member(broker, 'g1', topic, 'm3'),
    ]
    const total = (): number => members.reduce((n, m) => n + m.seen.length, 0)
    await waitFor('60 messages', () => total() >= 60)
    await waitFor('balanced assignment', () => members.every((m) => m.partitions.size === 2))
    const all = members.flatMap((m) => m.seen).sort()
    expect(new Set(all).size).toBe(60)
    expect(all).toHaveLength(60)

    // m3 leaves: the others take over its partitions.
    const gone = members.pop() as Member
    await stopMember(gone)
    await waitFor(
      'takeover',
      () => members.every((m) => m.partitions.size === 3),
      SESSION_MS + 5_000,
    )
    await produce(broker, topic, 60, 30)
    await waitFor('90 messages', () => total() + gone.seen.length >= 90)
    const after = [...members.flatMap((m) => m.seen), ...gone.seen]
    expect(new Set(after).size).toBe(90)

    // Describe / list while the group is stable.
    const a = client(broker, 'admin').admin()
    await a.connect()
    const described = await a.describeGroups(['g1'])
    expect(described.groups[0].state).toBe('Stable')
    expect(described.groups[0].members).toHaveLength(2)
    expect(described.groups[0].protocol).toBe('RoundRobinAssigner')
    const listed = await a.listGroups()
    expect(listed.groups.map((g) => g.groupId)).toContain('g1')
    await a.disconnect()

    // Let the last auto-commits land, stop the group, restart the broker gracefully.
    await new Promise((r) => setTimeout(r, 500))
    for (const m of members) await stopMember(m)
    expect(await broker.stop()).toBe(0)
    broker = await startBrokerProcess({ dataDir, set: SET })
    const a2 = client(broker, 'admin').admin()
    await a2.connect()
    const offsets = await a2.fetchOffsets({ groupId: 'g1', topics: [topic] })
    const committed = offsets[0].partitions.reduce((n, p) => n + Number(p.offset), 0)
    expect(committed).toBe(90)
    await a2.disconnect()

    await produce(broker, topic, 90, 12)
    const back = await member(broker, 'g1', topic, 'm4')
    await waitFor('12 new messages', () => back.seen.length >= 12)
    await new Promise((r) => setTimeout(r, 700))
    expect(back.seen.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `v${90 + i}`).sort())

    // SIGKILL: the commits acknowledged before the crash are still there.
    await stopMember(back)
    await broker.kill9()
    broker = await startBrokerProcess({ dataDir, set: SET })
    await produce(broker, topic, 102, 6)
    const again = await member(broker, 'g1', topic, 'm5')
    await waitFor('6 new messages', () => again.seen.length >= 6)
    await new Promise((r) => setTimeout(r, 700))
    expect(again.seen.sort()).toEqual(Array.from({ length: 6 }, (_, i) => `v${102 + i}`).sort())
    await stopMember(again)

    // The group is empty now: delete it; a second delete finds nothing.
    const a3 = client(broker, 'admin').admin()
    await a3.connect()
    await waitFor('empty group', () => true)
    await a3.deleteGroups(['g1'])
    const groupsAfter = await a3.listGroups()
    expect(groupsAfter.groups.map((g) => g.groupId)).not.toContain('g1')
    await expect(a3.deleteGroups(['g1'])).rejects.toThrow()
    await a3.disconnect()
  }, 120_000)
})
