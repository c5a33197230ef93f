import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { handleIncrementalAlterConfigs } from '../../src/handlers/44-incremental-alter-configs.js'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import {
  IncrementalAlterConfigsRequestSchema,
  IncrementalAlterConfigsResponseSchema,
} from '../../src/protocol/messages/incremental-alter-configs.js'
import type { IncrementalAlterableConfig } from '../../src/protocol/messages/incremental-alter-configs.js'
import { roundTripAllVersions } from '../protocol/round-trip.js'
import { openBrokerFixture } from '../metadata/broker-fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

const SET = 0
const DELETE = 1
const APPEND = 2
const SUBTRACT = 3

const op = (
  name: string,
  configOperation: number,
  value: string | null = null,
): IncrementalAlterableConfig => ({
  name,
  configOperation,
  value,
})

describe('IncrementalAlterConfigs schema', () => {
  it('round-trips v0-1', () => {
    roundTripAllVersions(IncrementalAlterConfigsRequestSchema, () => ({
      resources: [
        { resourceType: 2, resourceName: 't', configs: [op('a', APPEND, 'x'), op('b', DELETE)] },
      ],
      validateOnly: false,
    }))
    roundTripAllVersions(IncrementalAlterConfigsResponseSchema, () => ({
      throttleTimeMs: 0,
      responses: [{ errorCode: 0, errorMessage: null, resourceType: 4, resourceName: '1' }],
    }))
  })
})

describe('IncrementalAlterConfigs handler', () => {
  let b: BrokerFixture
  beforeEach(async () => {
    b = await openBrokerFixture()
    await topicManagerFor(b.services).create('t', 1, {
      'retention.ms': '1000',
      'segment.bytes': '100000',
    })
  })
  afterEach(async () => {
    await b.close()
  })

  const alter = (configs: IncrementalAlterableConfig[], validateOnly = false) =>
    handleIncrementalAlterConfigs(
      { resources: [{ resourceType: 2, resourceName: 't', configs }], validateOnly },
      b.ctx(44, 1),
    )

  it('SET and DELETE touch only the named configs', async () => {
    const res = await alter([op('retention.ms', SET, '2000'), op('segment.bytes', DELETE)])
    expect(res.responses[0]!.errorCode).toBe(0)
    expect(b.services.topics.get('t')!.configs).toEqual({ 'retention.ms': '2000' })
    expect(b.services.logs.get('t', 0)!.config.retentionMs).toBe(2000)
  })

  it('APPEND and SUBTRACT edit list configs from the effective value', async () => {
    expect((await alter([op('cleanup.policy', APPEND, 'compact')])).responses[0]!.errorCode).toBe(0)
    expect(b.services.topics.get('t')!.configs['cleanup.policy']).toBe('delete,compact')
    expect((await alter([op('cleanup.policy', SUBTRACT, 'delete')])).responses[0]!.errorCode).toBe(
      0,
    )
    expect(b.services.topics.get('t')!.configs['cleanup.policy']).toBe('compact')
    expect(b.services.logs.get('t', 0)!.config.cleanupPolicy).toBe('compact')
  })

  it('refuses APPEND on non-lists, unknown ops and names, null SET, duplicates', async () => {
    const cases: Array<[IncrementalAlterableConfig[], number]> = [
      [[op('retention.ms', APPEND, '1')], ErrorCode.INVALID_CONFIG],
      [[op('retention.ms', 9, '1')], ErrorCode.INVALID_REQUEST],
      [[op('no.such', SET, '1')], ErrorCode.INVALID_CONFIG],
      [[op('retention.ms', SET, null)], ErrorCode.INVALID_REQUEST],
      [[op('retention.ms', SET, 'abc')], ErrorCode.INVALID_CONFIG],
      [[op('retention.ms', SET, '1'), op('retention.ms', DELETE)], ErrorCode.INVALID_REQUEST],
    ]
    for (const [configs, code] of cases) {
      const res = await alter(configs)
      expect(res.responses[0]!.errorCode, JSON.stringify(configs)).toBe(code)
    }
    expect(b.services.topics.get('t')!.configs).toEqual({
      'retention.ms': '1000',
      'segment.bytes': '100000',
    })
  })

  it('validate_only changes nothing; unknown topic and broker resources fail', async () => {
    expect((await alter([op('retention.ms', SET, '5')], true)).responses[0]!.errorCode).toBe(0)
    expect(b.services.topics.get('t')!.configs['retention.ms']).toBe('1000')
    const res = await handleIncrementalAlterConfigs(
      {
        resources: [
          { resourceType: 2, resourceName: 'nope', configs: [op('retention.ms', SET, '5')] },
          { resourceType: 4, resourceName: '7', configs: [op('num.partitions', SET, '5')] },
        ],
        validateOnly: false,
      },
      b.ctx(44, 0),
    )
    expect(res.responses.map((r) => r.errorCode)).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_CONFIG,
    ])
  })

  it('concurrent incremental changes do not lose updates', async () => {
    await Promise.all([
      alter([op('retention.ms', SET, '3000')]),
      alter([op('segment.bytes', SET, '200000')]),
    ])
    expect(b.services.topics.get('t')!.configs).toEqual({
      'retention.ms': '3000',
      'segment.bytes': '200000',
    })
  })
})
