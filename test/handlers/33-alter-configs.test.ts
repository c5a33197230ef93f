import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { handleAlterConfigs } from '../../src/handlers/33-alter-configs.js'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import {
  AlterConfigsRequestSchema,
  AlterConfigsResponseSchema,
} from '../../src/protocol/messages/alter-configs.js'
import type { AlterConfigsResource } from '../../src/protocol/messages/alter-configs.js'
import { roundTripAllVersions } from '../protocol/round-trip.js'
import { openBrokerFixture } from '../metadata/broker-fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

const topicRes = (name: string, configs: Record<string, string | null>): AlterConfigsResource => ({
  resourceType: 2,
  resourceName: name,
  configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })),
})

describe('AlterConfigs schema', () => {
  it('round-trips v0-2', () => {
    roundTripAllVersions(AlterConfigsRequestSchema, () => ({
      resources: [topicRes('t', { 'retention.ms': '5', x: null })],
      validateOnly: true,
    }))
    roundTripAllVersions(AlterConfigsResponseSchema, () => ({
      throttleTimeMs: 2,
      responses: [{ errorCode: 40, errorMessage: 'no', resourceType: 2, resourceName: 't' }],
    }))
  })
})

describe('AlterConfigs handler', () => {
  let b: BrokerFixture
  beforeEach(async () => {
    b = await openBrokerFixture()
    await topicManagerFor(b.services).create('t', 2, {
      'retention.ms': '1000',
      'segment.bytes': '100000',
    })
  })
  afterEach(async () => {
    await b.close()
  })

  it('replaces the overrides wholesale and applies them to every partition log', async () => {
    const res = await handleAlterConfigs(
      { resources: [topicRes('t', { 'retention.ms': '2000' })], validateOnly: false },
      b.ctx(33, 1),
    )
    expect(res.responses).toEqual([
      { errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't' },
    ])
    expect(b.services.topics.get('t')!.configs).toEqual({ 'retention.ms': '2000' })
    for (const p of [0, 1]) {
      const cfg = b.services.logs.get('t', p)!.config
      expect(cfg.retentionMs).toBe(2000)
      // segment.bytes was not listed: back to the broker default.
      expect(cfg.segmentBytes).toBe(b.services.config.logDefaults.segmentBytes)
    }
  })

  it('validate_only and invalid configs change nothing', async () => {
    const before = { ...b.services.topics.get('t')!.configs }
    const res = await handleAlterConfigs(
      { resources: [topicRes('t', { 'retention.ms': '5' })], validateOnly: true },
      b.ctx(33, 2),
    )
    expect(res.responses[0]!.errorCode).toBe(0)
    const bad = await handleAlterConfigs(
      {
        resources: [topicRes('t', { 'retention.ms': 'x' }), topicRes('t2', {}), topicRes('t', {})],
        validateOnly: false,
      },
      b.ctx(33, 2),
    )
    // 't' appears twice: both INVALID_REQUEST; t2 unknown.
    expect(bad.responses.map((r) => r.errorCode)).toEqual([
      ErrorCode.INVALID_REQUEST,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_REQUEST,
    ])
    const invalid = await handleAlterConfigs(
      { resources: [topicRes('t', { 'retention.ms': 'x' })], validateOnly: false },
      b.ctx(33, 0),
    )
    expect(invalid.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG })
    expect(invalid.responses[0]!.errorMessage).toContain('retention.ms')
    const nul = await handleAlterConfigs(
      { resources: [topicRes('t', { 'retention.ms': null })], validateOnly: false },
      b.ctx(33, 0),
    )
    expect(nul.responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST)
    expect(b.services.topics.get('t')!.configs).toEqual(before)
    expect(b.services.logs.get('t', 0)!.config.retentionMs).toBe(1000)
  })

  it('broker resource is read-only', async () => {
    const res = await handleAlterConfigs(
      {
        resources: [
          { resourceType: 4, resourceName: '7', configs: [{ name: 'num.partitions', value: '3' }] },
          { resourceType: 4, resourceName: '', configs: [] },
          { resourceType: 4, resourceName: '9', configs: [] },
          { resourceType: 16, resourceName: 'x', configs: [] },
        ],
        validateOnly: false,
      },
      b.ctx(33, 1),
    )
    expect(res.responses.map((r) => r.errorCode)).toEqual([
      ErrorCode.INVALID_CONFIG,
      0,
      ErrorCode.INVALID_REQUEST,
      ErrorCode.INVALID_REQUEST,
    ])
    expect(res.responses[0]!.errorMessage).toContain('num.partitions')
  })
})
