import { describe, expect, it } from 'vitest'
import { loadBrokerConfig } from '../../src/config/broker-config.js'
import { KEY_DEFS } from '../../src/config/keys.js'
import { LIVE_KEYS, planReload } from '../../src/config/reload.js'
import type { KeyDef } from '../../src/config/keys.js'

const noEnv = {}

function load(overrides: Array<[string, string]> = []) {
  return loadBrokerConfig({ env: noEnv, overrides }).config
}

/** A valid value other than the default, for the numeric, boolean and enum keys. */
function otherValue(def: KeyDef): string | null {
  switch (def.kind) {
    case 'int':
    case 'long':
      return String(Math.max(def.min ?? 0, Number(def.default ?? 0)) + 7)
    case 'double':
      return '0.25'
    case 'bool':
      return def.default === 'true' ? 'false' : 'true'
    case 'enum':
      return def.values?.find((v) => v !== def.default) ?? null
    default:
      return null
  }
}

describe('planReload', () => {
  it('lists as live every key that changes the log defaults (they are all applied)', () => {
    const base = JSON.stringify(load().logDefaults)
    const feeding: string[] = []
    for (const def of KEY_DEFS) {
      const v = otherValue(def)
      if (v === null) continue
      let changed: string
      try {
        changed = JSON.stringify(load([[def.key, v]]).logDefaults)
      } catch {
        continue // a value this key refuses; not what this test is about
      }
      if (changed !== base) feeding.push(def.key)
    }
    expect(feeding).toContain('log.retention.ms')
    expect(feeding).toContain('log.segment.ms')
    expect(feeding.filter((k) => !LIVE_KEYS.has(k))).toEqual([])
  })

  it('applies live keys, names restart keys, and makes min.insync.replicas live', () => {
    const current = load([['log.retention.ms', '1000']])
    const defaults = current.logDefaults
    const next = load([
      ['log.retention.ms', '2000'],
      ['min.insync.replicas', '2'],
      ['log.cleaner.min.cleanable.ratio', '0.2'],
      ['node.id', '9'],
    ])
    const plan = planReload(current, next)
    expect(plan.live).toEqual([
      'log.cleaner.min.cleanable.ratio',
      'log.retention.ms',
      'min.insync.replicas',
    ])
    expect(plan.restart).toEqual(['node.id'])
    expect(plan.config.logDefaults.minInsyncReplicas).toBe(2)
    expect(plan.config.nodeId).toBe(current.nodeId)
    // Updated in place: the LogManager holds this object.
    expect(plan.config.logDefaults).toBe(defaults)
    expect(defaults.retentionMs).toBe(2000)
    expect(defaults.minCleanableDirtyRatio).toBe(0.2)
    expect(plan.config.values.get('min.insync.replicas')).toBe('2')
  })

  it('takes new SSL key material; ssl.client.auth waits for a restart', () => {
    const ssl: Array<[string, string]> = [
      ['listeners', 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0'],
      ['ssl.keystore.location', '/etc/samsa/old.pem'],
    ]
    const current = load(ssl)
    const next = load([
      ...ssl,
      ['ssl.keystore.location', '/etc/samsa/new.pem'],
      ['ssl.key.password', 'pw'],
      ['ssl.client.auth', 'requested'],
      ['ssl.truststore.location', '/etc/samsa/ca.pem'],
    ])
    const plan = planReload(current, next)
    expect(plan.live).toEqual([
      'ssl.key.password',
      'ssl.keystore.location',
      'ssl.truststore.location',
    ])
    expect(plan.restart).toEqual(['ssl.client.auth'])
    expect(plan.config.ssl).toMatchObject({
      keystoreLocation: '/etc/samsa/new.pem',
      keyPassword: 'pw',
      truststoreLocation: '/etc/samsa/ca.pem',
      clientAuth: 'none',
    })
  })
})
