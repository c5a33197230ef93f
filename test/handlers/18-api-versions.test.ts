import { describe, expect, it } from 'vitest'
import type { BrokerServices } from '../../src/broker-services.js'
import {
  advertisedApiKeys,
  handler,
  isValidClientSoftware,
} from '../../src/handlers/18-api-versions.js'
import type { AnyHandler, RequestContext } from '../../src/server/handler.js'
import { handlers } from '../../src/server/registry.js'

function fake(
  apiKey: number,
  minVersion: number,
  maxVersion: number,
  advertisedMinVersion?: number,
): AnyHandler {
  return {
    apiKey,
    name: `api${apiKey}`,
    minVersion,
    maxVersion,
    advertisedMinVersion,
    request: handler.request,
    response: handler.response,
    handle: () => null,
  }
}

function ctx(apiVersion: number, list: readonly AnyHandler[]): RequestContext {
  return {
    apiKey: 18,
    apiVersion,
    correlationId: 1,
    clientId: 'c',
    connectionId: 1,
    remoteAddress: '127.0.0.1:1',
    listenerName: 'PLAINTEXT',
    broker: { handlers: list } as unknown as BrokerServices,
  }
}

describe('ApiVersions handler', () => {
  it('derives ranges from the handler list, sorted, honouring advertisedMinVersion', () => {
    const list = [fake(18, 0, 3), fake(0, 3, 7, 0), fake(1, 4, 12)]
    expect(advertisedApiKeys(list)).toEqual([
      { apiKey: 0, minVersion: 0, maxVersion: 7 },
      { apiKey: 1, minVersion: 4, maxVersion: 12 },
      { apiKey: 18, minVersion: 0, maxVersion: 3 },
    ])
  })

  it('answers with the list of the services it runs in', async () => {
    const list = [fake(18, 0, 3), fake(3, 0, 9)]
    const res = await handler.handle(
      { clientSoftwareName: '', clientSoftwareVersion: '' },
      ctx(2, list),
    )
    expect(res?.errorCode).toBe(0)
    expect(res?.throttleTimeMs).toBe(0)
    expect(res?.apiKeys).toEqual([
      { apiKey: 3, minVersion: 0, maxVersion: 9 },
      { apiKey: 18, minVersion: 0, maxVersion: 3 },
    ])
  })

  it('v3 validates the client software name and version (Kafka pattern)', async () => {
    const list = [fake(18, 0, 3)]
    const ok = await handler.handle(
      { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.3.0' },
      ctx(3, list),
    )
    expect(ok?.errorCode).toBe(0)
    const bad = await handler.handle(
      { clientSoftwareName: 'lib rdkafka', clientSoftwareVersion: '2.3.0' },
      ctx(3, list),
    )
    expect(bad?.errorCode).toBe(42)
    expect(bad?.apiKeys).toEqual([])
  })

  it.each([
    ['a', true],
    ['a.b-c', true],
    ['1.0.0', true],
    ['', false],
    ['-a', false],
    ['a-', false],
    ['a b', false],
    ['a_b', false],
  ])('software string %j valid=%s', (s, valid) => {
    expect(isValidClientSoftware(s, '1')).toBe(valid)
    expect(isValidClientSoftware('x', s)).toBe(valid)
  })

  it('the registry has one handler per api key and includes ApiVersions 0-3', () => {
    const keys = handlers.map((h) => h.apiKey)
    expect(new Set(keys).size).toBe(keys.length)
    const av = handlers.find((h) => h.apiKey === 18)
    expect(av?.minVersion).toBe(0)
    expect(av?.maxVersion).toBe(3)
  })
})
