import { describe, expect, it } from 'vitest'
import { loadBrokerConfig } from '../../src/config/broker-config.js'
import { describeBrokerConfigs } from '../../src/metadata/config-describer.js'

function load(sets: Record<string, string>) {
  return loadBrokerConfig({ env: {}, overrides: Object.entries(sets) }).config
}

const SSL = { listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0' }

describe('listener security', () => {
  it('maps listener names to protocols; ssl.* is read only when a listener speaks SSL', () => {
    const plain = load({})
    expect(plain.listenerProtocols.get('PLAINTEXT')).toBe('PLAINTEXT')
    expect(plain.ssl).toBeNull()
    const c = load({
      listeners: 'INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0',
      'listener.security.protocol.map': 'INTERNAL:PLAINTEXT, external:ssl',
      'ssl.keystore.location': 'server.p12',
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.password': 'secret',
    })
    expect([...c.listenerProtocols]).toEqual([
      ['INTERNAL', 'PLAINTEXT'],
      ['EXTERNAL', 'SSL'],
    ])
    expect(c.ssl).toMatchObject({ keystoreType: 'PKCS12', keystorePassword: 'secret' })
    expect(c.ssl?.clientAuth).toBe('none')
  })

  it('refuses what it cannot serve, naming the key', () => {
    const refused: Array<[Record<string, string>, RegExp]> = [
      [{ listeners: 'OTHER://127.0.0.1:0' }, /listener OTHER has no security protocol/],
      [
        { 'listener.security.protocol.map': 'PLAINTEXT:SASL_PLAINTEXT' },
        /SASL_PLAINTEXT is not implemented/,
      ],
      [{ 'listener.security.protocol.map': 'PLAINTEXT:TLS' }, /unknown protocol TLS/],
      [{ 'listener.security.protocol.map': 'PLAINTEXT' }, /is not NAME:PROTOCOL/],
      [SSL, /config ssl\.keystore\.location: an SSL listener needs/],
      [{ ...SSL, 'ssl.keystore.location': 'k', 'ssl.keystore.type': 'JKS' }, /JKS is not/],
      [
        { ...SSL, 'ssl.keystore.location': 'k', 'ssl.client.auth': 'required' },
        /config ssl\.truststore\.location: ssl\.client\.auth=required needs/,
      ],
      [
        { ...SSL, 'advertised.listeners': 'OUTSIDE://example.com:9093' },
        /config advertised\.listeners: OUTSIDE is not a name in listeners/,
      ],
      [
        {
          listeners: 'SSL://127.0.0.1:0,PLAINTEXT://127.0.0.1:0',
          'ssl.keystore.location': 'k',
          'metadata.store': 'etcd://127.0.0.1:2379',
        },
        /first advertised listener \(SSL\), which must be PLAINTEXT/,
      ],
    ]
    for (const [sets, why] of refused) expect(() => load(sets), JSON.stringify(sets)).toThrow(why)
  })

  it('DescribeConfigs hides passwords', () => {
    const c = load({ ...SSL, 'ssl.keystore.location': 'k', 'ssl.key.password': 'hunter2' })
    const entries = describeBrokerConfigs(c, ['ssl.key.password', 'ssl.keystore.location'])
    const password = entries.find((e) => e.name === 'ssl.key.password')
    expect(password).toMatchObject({ value: null, isSensitive: true, configType: 9 })
    expect(JSON.stringify(password)).not.toContain('hunter2')
    expect(entries.find((e) => e.name === 'ssl.keystore.location')).toMatchObject({
      value: 'k',
      isSensitive: false,
    })
  })
})
