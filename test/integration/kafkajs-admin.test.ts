// KafkaJS 2.2.4 admin client against a real broker process: topics (create, list, delete,
// partitions), configs (describe, alter), topic metadata, records deletion, and a gzip producer
// whose messages are read back with kcat. KafkaJS consumers need consumer groups (issue 4), so
// the read-back uses kcat's simple consumer (-C without a group) instead.
import { CompressionTypes, ConfigResourceTypes, Kafka, logLevel } from 'kafkajs'
import type { Admin } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess } from '../helpers/broker-process.js'
import type { BrokerProcess } from '../helpers/broker-process.js'
import { runKcat } from '../helpers/kcat.js'

let broker: BrokerProcess | undefined
let kafka: Kafka
let admin: Admin

async function kcatConsume(bootstrap: string, topic: string, partition: number): Promise<string[]> {
  const args = [
    '-C',
    '-t',
    topic,
    '-p',
    String(partition),
    '-o',
    'beginning',
    '-e',
    '-f',
    '%k=%s\\n',
  ]
  const { stdout } = await runKcat(bootstrap, args)
  return stdout.split('\n').filter((l) => l !== '')
}

beforeAll(async () => {
  broker = await startBrokerProcess({ set: { 'num.partitions': '2' } })
  kafka = new Kafka({
    clientId: 'samsa-admin-test',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 100 },
  })
  admin = kafka.admin()
  await admin.connect()
})

afterAll(async () => {
  await admin?.disconnect()
  await broker?.stop()
})

describe('KafkaJS admin', () => {
  it('creates, lists and deletes topics', async () => {
    const created = await admin.createTopics({
      topics: [
        { topic: 'adm-a', numPartitions: 3 },
        {
          topic: 'adm-b',
          numPartitions: 1,
          configEntries: [{ name: 'retention.ms', value: '3600000' }],
        },
      ],
      waitForLeaders: true,
    })
    expect(created).toBe(true)
    // Already there: KafkaJS reports false instead of throwing.
    expect(await admin.createTopics({ topics: [{ topic: 'adm-a' }] })).toBe(false)
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(['adm-a', 'adm-b']))
    await admin.deleteTopics({ topics: ['adm-b'] })
    expect(await admin.listTopics()).not.toContain('adm-b')
  })

  it('refuses an invalid topic name with INVALID_TOPIC_EXCEPTION', async () => {
    await expect(
      admin.createTopics({ topics: [{ topic: 'no spaces allowed' }] }),
    ).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: 'INVALID_TOPIC_EXCEPTION' })],
    })
  })

  it('fetches topic metadata with this broker as leader of every partition', async () => {
    await admin.createTopics({
      topics: [{ topic: 'adm-meta', numPartitions: 2 }],
      waitForLeaders: true,
    })
    const { topics } = await admin.fetchTopicMetadata({ topics: ['adm-meta'] })
    expect(topics).toHaveLength(1)
    const parts = [...topics[0]!.partitions].sort((x, y) => x.partitionId - y.partitionId)
    expect(parts.map((p) => p.partitionId)).toEqual([0, 1])
    const cluster = await admin.describeCluster()
    expect(cluster.brokers).toHaveLength(1)
    expect(cluster.controller).toBe(cluster.brokers[0]!.nodeId)
    for (const p of parts) {
      expect(p.leader).toBe(cluster.brokers[0]!.nodeId)
      expect(p.replicas).toEqual([p.leader])
      expect(p.isr).toEqual([p.leader])
    }
  })

  it('adds partitions', async () => {
    await admin.createTopics({
      topics: [{ topic: 'adm-grow', numPartitions: 1 }],
      waitForLeaders: true,
    })
    await admin.createPartitions({ topicPartitions: [{ topic: 'adm-grow', count: 4 }] })
    const { topics } = await admin.fetchTopicMetadata({ topics: ['adm-grow'] })
    expect(topics[0]!.partitions).toHaveLength(4)
    await expect(
      admin.createPartitions({ topicPartitions: [{ topic: 'adm-grow', count: 2 }] }),
    ).rejects.toThrow()
  })

  it('describes and alters topic configs', async () => {
    await admin.createTopics({
      topics: [{ topic: 'adm-cfg', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    })
    const describe1 = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'adm-cfg' }],
      includeSynonyms: false,
    })
    const entries1 = describe1.resources[0]!.configEntries
    expect(describe1.resources[0]!.errorCode).toBe(0)
    expect(entries1.find((e) => e.configName === 'cleanup.policy')).toMatchObject({
      configValue: 'compact',
      isDefault: false,
    })
    expect(entries1.find((e) => e.configName === 'retention.ms')).toMatchObject({
      configValue: '604800000',
      isDefault: true,
    })

    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: 'adm-cfg',
          configEntries: [{ name: 'retention.ms', value: '120000' }],
        },
      ],
    })
    const describe2 = await admin.describeConfigs({
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: 'adm-cfg',
          configNames: ['retention.ms', 'cleanup.policy'],
        },
      ],
      includeSynonyms: true,
    })
    const entries2 = describe2.resources[0]!.configEntries
    expect(entries2).toHaveLength(2)
    expect(entries2.find((e) => e.configName === 'retention.ms')!.configValue).toBe('120000')
    // AlterConfigs replaces the whole set: cleanup.policy went back to the default.
    expect(entries2.find((e) => e.configName === 'cleanup.policy')!.configValue).toBe('delete')

    await expect(
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: 'adm-cfg',
            configEntries: [{ name: 'retention.ms', value: 'later' }],
          },
        ],
      }),
    ).rejects.toThrow()
  })

  it('produces gzip batches with KafkaJS and reads them back with kcat', async () => {
    const topic = 'adm-gzip'
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
    const producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
    try {
      const messages = Array.from({ length: 50 }, (_, i) => ({
        key: `k${i}`,
        value: `value-${i}-${'z'.repeat(i * 10)}`,
      }))
      await producer.send({
        topic,
        compression: CompressionTypes.GZIP,
        messages: messages.slice(0, 25),
      })
      await producer.send({
        topic,
        compression: CompressionTypes.GZIP,
        messages: messages.slice(25),
      })
      const got = await kcatConsume(broker!.bootstrap, topic, 0)
      expect(got).toEqual(messages.map((m) => `${m.key}=${m.value}`))
      const offsets = await admin.fetchTopicOffsets(topic)
      expect(offsets).toEqual([
        expect.objectContaining({ partition: 0, offset: '50', low: '0', high: '50' }),
      ])
    } finally {
      await producer.disconnect()
    }
  })

  it('deletes records up to an offset', async () => {
    const topic = 'adm-del-rec'
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
    const producer = kafka.producer()
    await producer.connect()
    try {
      for (let i = 0; i < 4; i++)
        await producer.send({ topic, messages: [{ value: `m${i}` }, { value: `n${i}` }] })
    } finally {
      await producer.disconnect()
    }
    // KafkaJS looks the leader up in its cached metadata without refreshing it for this topic;
    // fetchTopicMetadata adds the topic to that cache first.
    await admin.fetchTopicMetadata({ topics: [topic] })
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] })
    const offsets = await admin.fetchTopicOffsets(topic)
    expect(offsets[0]).toMatchObject({ low: '4', high: '8' })
    const rest = await kcatConsume(broker!.bootstrap, topic, 0)
    expect(rest.map((l) => l.split('=')[1])).toEqual(['m2', 'n2', 'm3', 'n3'])
  })
})
