import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { handleCreatePartitions } from '../../src/handlers/37-create-partitions.js'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import {
  CreatePartitionsRequestSchema,
  CreatePartitionsResponseSchema,
} from '../../src/protocol/messages/create-partitions.js'
import type { CreatePartitionsTopic } from '../../src/protocol/messages/create-partitions.js'
import { roundTripAllVersions } from '../protocol/round-trip.js'
import { openBrokerFixture } from '../metadata/broker-fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

describe('CreatePartitions schema', () => {
  it('round-trips v0-3 with null and explicit assignments', () => {
    roundTripAllVersions(CreatePartitionsRequestSchema, (v) => ({
      topics: [{ name: 't', count: 3, assignments: v % 2 === 0 ? null : [{ brokerIds: [1] }] }],
      timeoutMs: 5,
      validateOnly: v === 3,
    }))
    roundTripAllVersions(CreatePartitionsResponseSchema, () => ({
      throttleTimeMs: 0,
      results: [{ name: 't', errorCode: 37, errorMessage: 'x' }],
    }))
  })
})

describe('CreatePartitions handler', () => {
  let b: BrokerFixture
  beforeEach(async () => {
    b = await openBrokerFixture()
    await topicManagerFor(b.services).create('t', 2, { 'retention.ms': '4321' })
  })
  afterEach(async () => {
    await b.close()
  })

  const grow = (topics: CreatePartitionsTopic[], validateOnly = false) =>
    handleCreatePartitions({ topics, timeoutMs: 1000, validateOnly }, b.ctx(37, 1))

  it('adds partitions with the topic overrides', async () => {
    const res = await grow([{ name: 't', count: 4, assignments: null }])
    expect(res.results).toEqual([{ name: 't', errorCode: 0, errorMessage: null }])
    expect(b.services.topics.get('t')!.partitions).toBe(4)
    expect(b.services.logs.get('t', 3)!.config.retentionMs).toBe(4321)
  })

  it('never shrinks; unknown topic; validate_only; duplicates', async () => {
    const res = await grow([
      { name: 't', count: 2, assignments: null },
      { name: 'nope', count: 5, assignments: null },
    ])
    expect(res.results.map((r) => r.errorCode)).toEqual([
      ErrorCode.INVALID_PARTITIONS,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ])
    expect(res.results[0]!.errorMessage).toContain('2')
    const shrink = await grow([{ name: 't', count: 1, assignments: null }])
    expect(shrink.results[0]!.errorCode).toBe(ErrorCode.INVALID_PARTITIONS)
    const dry = await grow([{ name: 't', count: 9, assignments: null }], true)
    expect(dry.results[0]!.errorCode).toBe(0)
    expect(b.services.topics.get('t')!.partitions).toBe(2)
    expect(b.services.logs.get('t', 2)).toBeUndefined()
    const dup = await grow([
      { name: 't', count: 3, assignments: null },
      { name: 't', count: 4, assignments: null },
    ])
    expect(dup.results).toHaveLength(1)
    expect(dup.results[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST)
  })

  it('assignments must match the added count and this node', async () => {
    const wrongCount = await grow([{ name: 't', count: 4, assignments: [{ brokerIds: [7] }] }])
    expect(wrongCount.results[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT)
    const wrongNode = await grow([{ name: 't', count: 3, assignments: [{ brokerIds: [1] }] }])
    expect(wrongNode.results[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT)
    const ok = await grow([{ name: 't', count: 3, assignments: [{ brokerIds: [7] }] }])
    expect(ok.results[0]!.errorCode).toBe(0)
    expect(b.services.topics.get('t')!.partitions).toBe(3)
  })
})
