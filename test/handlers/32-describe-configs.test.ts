import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { handleDescribeConfigs } from '../../src/handlers/32-describe-configs.js'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import {
  ConfigSource,
  ConfigType,
  TOPIC_CONFIG_NAMES,
} from '../../src/metadata/config-describer.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import {
  DescribeConfigsRequestSchema,
  DescribeConfigsResponseSchema,
} from '../../src/protocol/messages/describe-configs.js'
import type {
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  DescribeConfigsResource,
} from '../../src/protocol/messages/describe-configs.js'
import { decodeFromBuffer, roundTripAllVersions } from '../protocol/round-trip.js'
import { openBrokerFixture } from '../metadata/broker-fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

function req(
  resources: DescribeConfigsResource[],
  includeSynonyms = false,
): DescribeConfigsRequest {
  return { resources, includeSynonyms, includeDocumentation: false }
}
const topic = (name: string, keys: string[] | null = null): DescribeConfigsResource => ({
  resourceType: 2,
  resourceName: name,
  configurationKeys: keys,
})

describe('DescribeConfigs schema', () => {
  it('round-trips v0-4; is_default only in v0, synonyms from v1, type/doc from v3', () => {
    roundTripAllVersions(DescribeConfigsRequestSchema, (v) =>
      req([topic('t', v % 2 === 0 ? null : ['a', 'b'])], true),
    )
    const sample: DescribeConfigsResponse = {
      throttleTimeMs: 0,
      results: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: 2,
          resourceName: 't',
          configs: [
            {
              name: 'retention.ms',
              value: '1',
              readOnly: false,
              isDefault: true,
              configSource: 1,
              isSensitive: false,
              synonyms: [{ name: 'retention.ms', value: '1', source: 1 }],
              configType: 5,
              documentation: null,
            },
          ],
        },
      ],
    }
    const enc = roundTripAllVersions(DescribeConfigsResponseSchema, () => sample)
    const v0 = decodeFromBuffer<DescribeConfigsResponse>(
      DescribeConfigsResponseSchema,
      0,
      enc.get(0)!,
    )
    expect(v0.results[0]!.configs[0]).toMatchObject({
      isDefault: true,
      configSource: -1,
      synonyms: [],
    })
    const v1 = decodeFromBuffer<DescribeConfigsResponse>(
      DescribeConfigsResponseSchema,
      1,
      enc.get(1)!,
    )
    expect(v1.results[0]!.configs[0]).toMatchObject({
      isDefault: false,
      configSource: 1,
      configType: 0,
    })
  })
})

describe('DescribeConfigs handler', () => {
  let b: BrokerFixture
  beforeEach(async () => {
    b = await openBrokerFixture([
      ['log.retention.hours', '24'],
      ['log.segment.bytes', '5000000'],
    ])
    await topicManagerFor(b.services).create('t', 1, { 'cleanup.policy': 'compact' })
  })
  afterEach(async () => {
    await b.close()
  })

  it('lists every topic config with value and source', () => {
    const res = handleDescribeConfigs(req([topic('t')]), b.ctx(32, 3))
    const r = res.results[0]!
    expect(r).toMatchObject({
      errorCode: 0,
      errorMessage: null,
      resourceType: 2,
      resourceName: 't',
    })
    expect(r.configs.map((c) => c.name)).toEqual([...TOPIC_CONFIG_NAMES])
    const byName = new Map(r.configs.map((c) => [c.name, c]))
    expect(byName.get('cleanup.policy')).toMatchObject({
      value: 'compact',
      configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG,
      readOnly: false,
      isSensitive: false,
      configType: ConfigType.LIST,
      synonyms: [],
      documentation: null,
    })
    expect(byName.get('retention.ms')).toMatchObject({
      value: String(24 * 3600_000),
      configSource: ConfigSource.STATIC_BROKER_CONFIG,
      configType: ConfigType.LONG,
    })
    expect(byName.get('segment.bytes')).toMatchObject({
      value: '5000000',
      configSource: ConfigSource.STATIC_BROKER_CONFIG,
    })
    expect(byName.get('max.message.bytes')).toMatchObject({
      value: '1048588',
      configSource: ConfigSource.DEFAULT_CONFIG,
    })
    expect(byName.get('flush.messages')!.value).toBe('9223372036854775807')
  })

  it('include_synonyms lists the chain, most specific first', () => {
    const res = handleDescribeConfigs(
      req([topic('t', ['retention.ms', 'cleanup.policy', 'nonsense'])], true),
      b.ctx(32, 1),
    )
    const configs = res.results[0]!.configs
    expect(configs.map((c) => c.name)).toEqual(['retention.ms', 'cleanup.policy'])
    expect(configs[0]!.synonyms).toEqual([
      { name: 'log.retention.hours', value: '24', source: ConfigSource.STATIC_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
    ])
    expect(configs[1]!.synonyms).toEqual([
      { name: 'cleanup.policy', value: 'compact', source: ConfigSource.DYNAMIC_TOPIC_CONFIG },
      { name: 'log.cleanup.policy', value: 'delete', source: ConfigSource.DEFAULT_CONFIG },
    ])
  })

  it('v0: is_default true only for built-in defaults', () => {
    const res = handleDescribeConfigs(
      req([topic('t', ['max.message.bytes', 'cleanup.policy'])]),
      b.ctx(32, 0),
    )
    expect(res.results[0]!.configs.map((c) => c.isDefault)).toEqual([true, false])
  })

  it('broker resource: this node id lists read-only properties; others fail', () => {
    const res = handleDescribeConfigs(
      req([
        {
          resourceType: 4,
          resourceName: '7',
          configurationKeys: ['num.partitions', 'log.segment.bytes'],
        },
        { resourceType: 4, resourceName: '8', configurationKeys: null },
        { resourceType: 4, resourceName: '', configurationKeys: null },
        topic('missing'),
        topic('bad name'),
        { resourceType: 99, resourceName: 'x', configurationKeys: null },
      ]),
      b.ctx(32, 4),
    )
    expect(res.results.map((r) => r.errorCode)).toEqual([
      0,
      ErrorCode.INVALID_REQUEST,
      0,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      ErrorCode.INVALID_REQUEST,
    ])
    expect(res.results[0]!.configs).toEqual([
      expect.objectContaining({
        name: 'num.partitions',
        value: '1',
        readOnly: true,
        configSource: ConfigSource.DEFAULT_CONFIG,
        configType: ConfigType.INT,
      }),
      expect.objectContaining({
        name: 'log.segment.bytes',
        value: '5000000',
        configSource: ConfigSource.STATIC_BROKER_CONFIG,
      }),
    ])
    expect(res.results[2]!.configs).toEqual([])
    expect(res.results[3]!.errorMessage).toContain('missing')
  })

  it('describes every broker property when no keys are given', () => {
    const res = handleDescribeConfigs(
      req([{ resourceType: 4, resourceName: '7', configurationKeys: null }]),
      b.ctx(32, 2),
    )
    const names = res.results[0]!.configs.map((c) => c.name)
    expect(names).toContain('auto.create.topics.enable')
    expect(names).toContain('log.dirs')
    expect(res.results[0]!.configs.every((c) => c.readOnly)).toBe(true)
  })
})
