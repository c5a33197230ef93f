// TopicManager against small in-memory doubles of the store and the log manager, to check the
// order of effects, rollback and serialisation without touching the disk.
import { describe, expect, it } from 'vitest'
import { TopicManager, validateTopicConfigs } from '../../src/metadata/topic-manager.js'
import type { LogManagerOps, TopicStoreOps } from '../../src/metadata/topic-manager.js'
import type { TopicInfo } from '../../src/metadata/topic-store.js'
import type { LogConfig } from '../../src/log/log-config.js'
import type { PartitionLog } from '../../src/log/partition-log.js'
import { ErrorCode, KafkaError } from '../../src/protocol/errors.js'

class FakeStore implements TopicStoreOps {
  readonly topics = new Map<string, TopicInfo>()
  readonly events: string[] = []
  get(name: string): TopicInfo | undefined {
    return this.topics.get(name)
  }
  list(): TopicInfo[] {
    return [...this.topics.values()]
  }
  async create(
    name: string,
    partitions: number,
    configs: Record<string, string>,
  ): Promise<TopicInfo> {
    await new Promise((r) => setTimeout(r, 5))
    if (this.topics.has(name)) throw new KafkaError('TOPIC_ALREADY_EXISTS')
    const info = {
      name,
      topicId: '11111111-2222-3333-4444-555555555555',
      partitions,
      configs: { ...configs },
    }
    this.topics.set(name, info)
    this.events.push(`store.create ${name}`)
    return info
  }
  async delete(name: string): Promise<void> {
    this.topics.delete(name)
    this.events.push(`store.delete ${name}`)
  }
  async addPartitions(name: string, total: number): Promise<TopicInfo> {
    const info = this.topics.get(name)!
    info.partitions = total
    this.events.push(`store.add ${name} ${total}`)
    return info
  }
  async setConfigs(name: string, configs: Record<string, string>): Promise<void> {
    this.topics.get(name)!.configs = { ...configs }
    this.events.push(`store.configs ${name}`)
  }
}

class FakeLogs implements LogManagerOps {
  readonly logs = new Set<string>()
  readonly overrides = new Map<string, Partial<LogConfig>>()
  failOn: string | null = null
  constructor(private readonly events: string[]) {}
  create(topic: string, partition: number): PartitionLog {
    const key = `${topic}-${partition}`
    if (key === this.failOn) throw new Error('disk full')
    this.logs.add(key)
    this.events.push(`log.create ${key}`)
    return {} as PartitionLog
  }
  async delete(topic: string, partition: number): Promise<void> {
    this.logs.delete(`${topic}-${partition}`)
    this.events.push(`log.delete ${topic}-${partition}`)
  }
  setTopicConfig(topic: string, overrides: Partial<LogConfig>): void {
    this.overrides.set(topic, overrides)
  }
}

function setup(): { store: FakeStore; logs: FakeLogs; m: TopicManager } {
  const store = new FakeStore()
  const logs = new FakeLogs(store.events)
  return { store, logs, m: new TopicManager(store, logs) }
}

describe('TopicManager', () => {
  it('writes the store entry before the logs, removes it before the logs', async () => {
    const { store, m } = setup()
    await m.create('t', 2, { 'retention.ms': '5' })
    await m.delete('t')
    expect(store.events).toEqual([
      'store.create t',
      'log.create t-0',
      'log.create t-1',
      'store.delete t',
      'log.delete t-0',
      'log.delete t-1',
    ])
  })

  it('rolls back the store entry and created logs when a log cannot be created', async () => {
    const { store, logs, m } = setup()
    logs.failOn = 't-1'
    await expect(m.create('t', 3, {})).rejects.toThrow('disk full')
    expect(store.get('t')).toBeUndefined()
    expect(logs.logs.size).toBe(0)
  })

  it('serialises: concurrent creates of one name give one success and one TOPIC_ALREADY_EXISTS', async () => {
    const { store, m } = setup()
    const results = await Promise.allSettled([m.create('x', 1, {}), m.create('x', 1, {})])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect((rejected.reason as KafkaError).code).toBe(ErrorCode.TOPIC_ALREADY_EXISTS)
    expect(store.events.filter((e) => e.startsWith('store.create'))).toHaveLength(1)
  })

  it('validates before touching anything', async () => {
    const { store, m } = setup()
    const bad = [
      m.create('bad name', 1, {}),
      m.create('ok', 0, {}),
      m.create('ok', 1, { 'retention.ms': 'x' }),
      m.create('ok', 1, { 'retention.ms': null }),
      m.create('ok', 1, { 'made.up': '1' }),
      m.create('ok', 1, { 'min.insync.replicas': '0' }),
      m.create('ok', 1, { 'compression.type': 'gzip' }),
    ]
    const codes = (await Promise.allSettled(bad)).map(
      (r) => ((r as PromiseRejectedResult).reason as KafkaError).code,
    )
    expect(codes).toEqual([
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      ErrorCode.INVALID_PARTITIONS,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.INVALID_CONFIG,
    ])
    expect(store.events).toEqual([])
  })

  it('addPartitions creates only the new logs, with the topic overrides', async () => {
    const { store, logs, m } = setup()
    await m.create('t', 1, { 'retention.ms': '77' })
    store.events.length = 0
    const info = await m.addPartitions('t', 3)
    expect(info.partitions).toBe(3)
    expect(store.events).toEqual(['store.add t 3', 'log.create t-1', 'log.create t-2'])
    expect(logs.overrides.get('t')).toEqual({ retentionMs: 77 })
    await expect(m.addPartitions('t', 3)).rejects.toMatchObject({
      code: ErrorCode.INVALID_PARTITIONS,
    })
    await expect(m.addPartitions('nope', 3)).rejects.toMatchObject({
      code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    })
  })

  it('alterConfigs replaces overrides in the store and the logs', async () => {
    const { store, logs, m } = setup()
    await m.create('t', 1, { 'retention.ms': '77', 'segment.bytes': '100000' })
    await m.alterConfigs('t', { 'retention.ms': '88' })
    expect(store.get('t')!.configs).toEqual({ 'retention.ms': '88' })
    expect(logs.overrides.get('t')).toEqual({ retentionMs: 88 })
    await m.alterConfigs('t', { 'retention.ms': '99' }, { validateOnly: true })
    expect(store.get('t')!.configs).toEqual({ 'retention.ms': '88' })
  })

  it('validateTopicConfigs maps Kafka names to LogConfig keys', () => {
    expect(
      validateTopicConfigs({
        'cleanup.policy': 'compact',
        preallocate: 'true',
        'min.insync.replicas': '2',
      }).overrides,
    ).toEqual({
      cleanupPolicy: 'compact',
      preallocate: true,
      minInsyncReplicas: 2,
    })
  })
})
