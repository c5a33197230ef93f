import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { handleMetadata } from '../../src/handlers/03-metadata.js'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import {
  MetadataRequestSchema,
  MetadataResponseSchema,
} from '../../src/protocol/messages/metadata.js'
import type { MetadataRequest, MetadataResponse } from '../../src/protocol/messages/metadata.js'
import {
  CLUSTER_OPERATIONS,
  NOT_REQUESTED,
  TOPIC_OPERATIONS,
} from '../../src/metadata/acl-operations.js'
import { decodeFromBuffer, roundTripAllVersions } from '../protocol/round-trip.js'
import { openBrokerFixture } from '../metadata/broker-fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

function req(over: Partial<MetadataRequest> = {}): MetadataRequest {
  return {
    topics: null,
    allowAutoTopicCreation: true,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
    ...over,
  }
}

describe('Metadata schema', () => {
  it('request round-trips v0-9 (null topics from v1)', () => {
    const enc = roundTripAllVersions(MetadataRequestSchema, (v) =>
      req({
        topics: v === 0 ? [{ name: 'a' }, { name: 'b' }] : v % 2 === 0 ? null : [{ name: 'x' }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: true,
        includeTopicAuthorizedOperations: true,
      }),
    )
    // v0: int32 count + two int16-prefixed one-char strings.
    expect(enc.get(0)).toEqual(Buffer.from([0, 0, 0, 2, 0, 1, 0x61, 0, 1, 0x62]))
    // v1 null array = int32 -1.
    expect(enc.get(2)).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff]))
    // v8: int32 -1 (null), allow_auto=false, both include flags true.
    expect([...enc.get(8)!]).toEqual([0xff, 0xff, 0xff, 0xff, 0, 1, 1])
    // v9 (flexible): compact array [x] (N+1), compact string, topic tags, three flags, tags.
    expect([...enc.get(9)!]).toEqual([2, 2, 0x78, 0, 0, 1, 1, 0])
  })

  it('response round-trips v0-9 with every field set', () => {
    const sample: MetadataResponse = {
      throttleTimeMs: 5,
      brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: 'r1' }],
      clusterId: 'cid',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 't',
          isInternal: true,
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 1,
              leaderEpoch: 3,
              replicaNodes: [1],
              isrNodes: [1],
              offlineReplicas: [2],
            },
          ],
          topicAuthorizedOperations: 12,
        },
      ],
      clusterAuthorizedOperations: 34,
    }
    const enc = roundTripAllVersions(MetadataResponseSchema, () => sample)
    const v0 = decodeFromBuffer<MetadataResponse>(MetadataResponseSchema, 0, enc.get(0)!)
    expect(v0.controllerId).toBe(-1)
    expect(v0.topics[0]!.partitions[0]!.leaderEpoch).toBe(-1)
    expect(v0.clusterAuthorizedOperations).toBe(-2147483648)
  })
})

describe('Metadata handler', () => {
  let b: BrokerFixture
  beforeEach(async () => {
    b = await openBrokerFixture([['num.partitions', '3']])
    await topicManagerFor(b.services).create('existing', 2, {})
  })
  afterEach(async () => {
    await b.close()
  })

  it('describes the broker, cluster and partitions led by this node', async () => {
    const res = await handleMetadata(req({ topics: [{ name: 'existing' }] }), b.ctx(3, 9))
    expect(res.brokers).toEqual([{ nodeId: 7, host: 'broker.example', port: 19092, rack: null }])
    expect(res.clusterId).toBe('test-cluster-id')
    expect(res.controllerId).toBe(7)
    expect(res.clusterAuthorizedOperations).toBe(NOT_REQUESTED)
    expect(res.topics).toHaveLength(1)
    const t = res.topics[0]!
    expect(t).toMatchObject({ errorCode: 0, name: 'existing', isInternal: false })
    expect(t.topicAuthorizedOperations).toBe(NOT_REQUESTED)
    expect(t.partitions.map((p) => p.partitionIndex)).toEqual([0, 1])
    for (const p of t.partitions) {
      expect(p).toMatchObject({
        errorCode: 0,
        leaderId: 7,
        leaderEpoch: 0,
        replicaNodes: [7],
        isrNodes: [7],
        offlineReplicas: [],
      })
    }
  })

  it('v1+: null = all topics, empty = none; v0: empty = all', async () => {
    await topicManagerFor(b.services).create('second', 1, {})
    const all = await handleMetadata(req({ topics: null }), b.ctx(3, 1))
    expect(all.topics.map((t) => t.name).sort()).toEqual(['existing', 'second'])
    const none = await handleMetadata(req({ topics: [] }), b.ctx(3, 1))
    expect(none.topics).toEqual([])
    const v0 = await handleMetadata(req({ topics: [] }), b.ctx(3, 0))
    expect(v0.topics.map((t) => t.name).sort()).toEqual(['existing', 'second'])
  })

  it('auto-creates an unknown topic with num.partitions and returns it ready', async () => {
    const res = await handleMetadata(req({ topics: [{ name: 'fresh' }] }), b.ctx(3, 4))
    expect(res.topics[0]).toMatchObject({ name: 'fresh', errorCode: 0 })
    expect(res.topics[0]!.partitions).toHaveLength(3)
    expect(b.services.topics.get('fresh')?.partitions).toBe(3)
    expect(b.services.logs.get('fresh', 2)).toBeDefined()
  })

  it('does not auto-create when the request (v4+) or the broker forbids it', async () => {
    const res = await handleMetadata(
      req({ topics: [{ name: 'nope' }], allowAutoTopicCreation: false }),
      b.ctx(3, 4),
    )
    expect(res.topics[0]).toMatchObject({
      name: 'nope',
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      partitions: [],
    })
    expect(b.services.topics.get('nope')).toBeUndefined()
    // Before v4 the flag does not exist on the wire; auto-creation is allowed.
    const v3 = await handleMetadata(
      req({ topics: [{ name: 'old' }], allowAutoTopicCreation: false }),
      b.ctx(3, 3),
    )
    expect(v3.topics[0]!.errorCode).toBe(0)
  })

  it('auto.create.topics.enable=false answers UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const off = await openBrokerFixture([['auto.create.topics.enable', 'false']])
    try {
      const res = await handleMetadata(req({ topics: [{ name: 'x' }] }), off.ctx(3, 9))
      expect(res.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      expect(off.services.topics.list()).toEqual([])
    } finally {
      await off.close()
    }
  })

  it('invalid topic names get INVALID_TOPIC_EXCEPTION, with or without auto-create', async () => {
    for (const allow of [true, false]) {
      const res = await handleMetadata(
        req({
          topics: [{ name: 'bad name!' }, { name: '' }, { name: 'x'.repeat(250) }],
          allowAutoTopicCreation: allow,
        }),
        b.ctx(3, 9),
      )
      expect(res.topics.map((t) => t.errorCode)).toEqual([17, 17, 17])
    }
    expect(b.services.topics.list().map((t) => t.name)).toEqual(['existing'])
  })

  it('concurrent auto-creates of one topic create it once and both succeed', async () => {
    const [r1, r2] = await Promise.all([
      handleMetadata(req({ topics: [{ name: 'race' }] }), b.ctx(3, 9)),
      handleMetadata(req({ topics: [{ name: 'race' }] }), b.ctx(3, 9)),
    ])
    expect(r1.topics[0]!.errorCode).toBe(0)
    expect(r2.topics[0]!.errorCode).toBe(0)
    expect(r1.topics[0]!.partitions).toHaveLength(3)
    expect(r2.topics[0]!.partitions).toHaveLength(3)
  })

  it('a topic created elsewhere but not seen here yet is LEADER_NOT_AVAILABLE (retriable)', async () => {
    // Cluster mode's race: another broker's create is in etcd, this broker's view is behind.
    const m = topicManagerFor(b.services)
    await m.create('elsewhere', 1, {})
    const get = vi.spyOn(m, 'get').mockReturnValue(undefined)
    try {
      const res = await handleMetadata(req({ topics: [{ name: 'elsewhere' }] }), b.ctx(3, 9))
      expect(res.topics[0]).toMatchObject({
        name: 'elsewhere',
        errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
      })
    } finally {
      get.mockRestore()
    }
  })

  it('never auto-creates internal topics', async () => {
    const res = await handleMetadata(req({ topics: [{ name: '__consumer_offsets' }] }), b.ctx(3, 9))
    expect(res.topics[0]).toMatchObject({
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      isInternal: true,
    })
  })

  it('v8+: authorized operations when requested', async () => {
    const res = await handleMetadata(
      req({
        topics: [{ name: 'existing' }],
        includeClusterAuthorizedOperations: true,
        includeTopicAuthorizedOperations: true,
      }),
      b.ctx(3, 8),
    )
    expect(res.clusterAuthorizedOperations).toBe(CLUSTER_OPERATIONS)
    expect(res.topics[0]!.topicAuthorizedOperations).toBe(TOPIC_OPERATIONS)
    // READ(3) WRITE(4) CREATE(5) DELETE(6) ALTER(7) DESCRIBE(8) DESCRIBE_CONFIGS(10) ALTER_CONFIGS(11)
    expect(TOPIC_OPERATIONS).toBe(0b110111111000)
  })

  it('lists a requested topic once even if named twice', async () => {
    const res = await handleMetadata(
      req({ topics: [{ name: 'existing' }, { name: 'existing' }] }),
      b.ctx(3, 9),
    )
    expect(res.topics).toHaveLength(1)
  })
})
