import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { handleCreateTopics } from '../../src/handlers/19-create-topics.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import {
  CreateTopicsRequestSchema,
  CreateTopicsResponseSchema,
} from '../../src/protocol/messages/create-topics.js'
import type {
  CreatableTopic,
  CreateTopicsRequest,
  CreateTopicsResponse,
} from '../../src/protocol/messages/create-topics.js'
import { ConfigSource } from '../../src/metadata/config-describer.js'
import { decodeFromBuffer, roundTripAllVersions } from '../protocol/round-trip.js'
import { openBrokerFixture } from '../metadata/broker-fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

function topic(name: string, over: Partial<CreatableTopic> = {}): CreatableTopic {
  return { name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [], ...over }
}

function req(topics: CreatableTopic[], validateOnly = false): CreateTopicsRequest {
  return { topics, timeoutMs: 1000, validateOnly }
}

describe('CreateTopics schema', () => {
  it('request round-trips v0-7', () => {
    roundTripAllVersions(CreateTopicsRequestSchema, () =>
      req(
        [
          topic('a', {
            numPartitions: -1,
            replicationFactor: -1,
            assignments: [{ partitionIndex: 0, brokerIds: [1] }],
            configs: [
              { name: 'retention.ms', value: '1000' },
              { name: 'x', value: null },
            ],
          }),
        ],
        true,
      ),
    )
  })

  it('response round-trips v0-7; v5+ carries configs, v7 the topic id', () => {
    const sample: CreateTopicsResponse = {
      throttleTimeMs: 3,
      topics: [
        {
          name: 'a',
          topicId: '0123456789abcdef0123456789abcdef'.replace(
            /(.{8})(.{4})(.{4})(.{4})/,
            '$1-$2-$3-$4-',
          ),
          errorCode: 0,
          errorMessage: 'msg',
          topicConfigErrorCode: 5,
          numPartitions: 4,
          replicationFactor: 1,
          configs: [
            { name: 'k', value: null, readOnly: false, configSource: 5, isSensitive: false },
          ],
        },
      ],
    }
    const enc = roundTripAllVersions(CreateTopicsResponseSchema, () => sample)
    const v7 = decodeFromBuffer<CreateTopicsResponse>(CreateTopicsResponseSchema, 7, enc.get(7)!)
    expect(v7.topics[0]!.topicId).toBe(sample.topics[0]!.topicId)
    expect(v7.topics[0]!.topicConfigErrorCode).toBe(5)
    const v4 = decodeFromBuffer<CreateTopicsResponse>(CreateTopicsResponseSchema, 4, enc.get(4)!)
    expect(v4.topics[0]!.numPartitions).toBe(-1)
    // v0: [name(int16 len 1 'a'), error int16] after the int32 array count.
    expect(enc.get(0)).toEqual(Buffer.from([0, 0, 0, 1, 0, 1, 0x61, 0, 0]))
  })
})

describe('CreateTopics handler', () => {
  let b: BrokerFixture
  beforeEach(async () => {
    b = await openBrokerFixture([['num.partitions', '4']])
  })
  afterEach(async () => {
    await b.close()
  })

  it('creates topics with logs and configs; v5+ echoes counts and configs', async () => {
    const res = await handleCreateTopics(
      req([topic('t1', { configs: [{ name: 'retention.ms', value: '12345' }] })]),
      b.ctx(19, 7),
    )
    const r = res.topics[0]!
    expect(r).toMatchObject({
      name: 't1',
      errorCode: 0,
      errorMessage: null,
      numPartitions: 2,
      replicationFactor: 1,
    })
    expect(r.topicId).toBe(b.services.topics.get('t1')!.topicId)
    expect(r.topicId).not.toBe('00000000-0000-0000-0000-000000000000')
    const retention = r.configs!.find((c) => c.name === 'retention.ms')!
    expect(retention).toMatchObject({
      value: '12345',
      configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG,
    })
    expect(r.configs!.find((c) => c.name === 'segment.bytes')).toMatchObject({
      value: '1073741824',
      configSource: ConfigSource.DEFAULT_CONFIG,
    })
    expect(b.services.logs.get('t1', 1)!.config.retentionMs).toBe(12345)
    expect(b.services.logs.get('t1', 2)).toBeUndefined()
  })

  it('-1 partitions / replication factor take the broker defaults', async () => {
    const res = await handleCreateTopics(
      req([topic('d', { numPartitions: -1, replicationFactor: -1 })]),
      b.ctx(19, 4),
    )
    expect(res.topics[0]!.errorCode).toBe(0)
    expect(b.services.topics.get('d')!.partitions).toBe(4)
  })

  it('rejects existing names, bad names, bad counts and bad configs, per topic', async () => {
    await handleCreateTopics(req([topic('dup')]), b.ctx(19, 1))
    const res = await handleCreateTopics(
      req([
        topic('dup'),
        topic('bad/name', { numPartitions: 0 }),
        topic('zero', { numPartitions: 0 }),
        topic('rf3', { replicationFactor: 3 }),
        topic('rf0', { replicationFactor: 0 }),
        topic('cfg', { configs: [{ name: 'retention.ms', value: 'soon' }] }),
        topic('unknowncfg', { configs: [{ name: 'no.such.config', value: '1' }] }),
        topic('nullcfg', { configs: [{ name: 'retention.ms', value: null }] }),
        topic('huge', { numPartitions: 2_000_000_000 }),
        topic('fine'),
      ]),
      b.ctx(19, 1),
    )
    expect(res.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ['dup', ErrorCode.TOPIC_ALREADY_EXISTS],
      ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['zero', ErrorCode.INVALID_PARTITIONS],
      ['rf3', ErrorCode.INVALID_REPLICATION_FACTOR],
      ['rf0', ErrorCode.INVALID_REPLICATION_FACTOR],
      ['cfg', ErrorCode.INVALID_CONFIG],
      ['unknowncfg', ErrorCode.INVALID_CONFIG],
      ['nullcfg', ErrorCode.INVALID_CONFIG],
      ['huge', ErrorCode.INVALID_PARTITIONS],
      ['fine', ErrorCode.NONE],
    ])
    expect(res.topics[5]!.errorMessage).toContain('retention.ms')
    expect(res.topics[0]!.errorMessage).not.toMatch(/^TOPIC_ALREADY_EXISTS/)
    expect(
      b.services.topics
        .list()
        .map((t) => t.name)
        .sort(),
    ).toEqual(['dup', 'fine'])
  })

  it('refuses names colliding on . vs _', async () => {
    await handleCreateTopics(req([topic('a.b')]), b.ctx(19, 3))
    const res = await handleCreateTopics(req([topic('a_b')]), b.ctx(19, 3))
    expect(res.topics[0]!.errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
  })

  it('validate_only creates nothing but reports success or the error', async () => {
    const res = await handleCreateTopics(
      req([topic('v'), topic('v2', { numPartitions: -5 })], true),
      b.ctx(19, 5),
    )
    expect(res.topics.map((t) => t.errorCode)).toEqual([0, ErrorCode.INVALID_PARTITIONS])
    expect(res.topics[0]!.numPartitions).toBe(2)
    expect(b.services.topics.get('v')).toBeUndefined()
    expect(b.services.logs.get('v', 0)).toBeUndefined()
  })

  it('manual assignments: only this node, partitions 0..n-1, counts must be -1', async () => {
    const ok = topic('m', {
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [
        { partitionIndex: 1, brokerIds: [7] },
        { partitionIndex: 0, brokerIds: [7] },
      ],
    })
    const otherBroker = topic('m2', {
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [{ partitionIndex: 0, brokerIds: [8] }],
    })
    const gap = topic('m3', {
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [{ partitionIndex: 1, brokerIds: [7] }],
    })
    const both = topic('m4', {
      numPartitions: 1,
      replicationFactor: -1,
      assignments: [{ partitionIndex: 0, brokerIds: [7] }],
    })
    const twoReplicas = topic('m5', {
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [{ partitionIndex: 0, brokerIds: [7, 7] }],
    })
    const res = await handleCreateTopics(
      req([ok, otherBroker, gap, both, twoReplicas]),
      b.ctx(19, 2),
    )
    expect(res.topics.map((t) => t.errorCode)).toEqual([
      0,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    ])
    expect(b.services.topics.get('m')!.partitions).toBe(2)
  })

  it('a name listed twice gets one INVALID_REQUEST and is not created', async () => {
    const res = await handleCreateTopics(req([topic('twice'), topic('twice')]), b.ctx(19, 5))
    expect(res.topics).toHaveLength(1)
    expect(res.topics[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST)
    expect(b.services.topics.get('twice')).toBeUndefined()
  })

  it('recreating a deleted topic does not inherit its old overrides', async () => {
    const { topicManagerFor } = await import('../../src/metadata/topic-manager.js')
    await handleCreateTopics(
      req([topic('re', { configs: [{ name: 'retention.ms', value: '999' }] })]),
      b.ctx(19, 5),
    )
    await topicManagerFor(b.services).delete('re')
    await handleCreateTopics(req([topic('re')]), b.ctx(19, 5))
    expect(b.services.logs.get('re', 0)!.config.retentionMs).toBe(
      b.services.config.logDefaults.retentionMs,
    )
  })
})
