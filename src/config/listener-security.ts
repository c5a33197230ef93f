// Which security protocol each listener speaks, and the ssl.* settings an SSL listener needs.
// Kafka's rule: listener.security.protocol.map maps every listener name to PLAINTEXT, SSL,
// SASL_PLAINTEXT or SASL_SSL (by default PLAINTEXT and SSL map to themselves). SASL is not
// implemented, so a listener mapped to it stops start-up instead of serving without auth.
// Key material is PEM (Kafka's ssl.keystore.type=PEM, KIP-651) or PKCS12; JKS is Java's own
// format and is refused with the conversion to use.

import { ConfigError } from './config-error.js'
import type { ListenerAddress } from './broker-config.js'

export type SecurityProtocol = 'PLAINTEXT' | 'SSL'

export interface SslSettings {
  readonly keystoreType: 'PEM' | 'PKCS12'
  /** PEM: the private key and the certificate chain in one file; PKCS12: the keystore. */
  readonly keystoreLocation: string
  /** PKCS12 password. */
  readonly keystorePassword: string | null
  /** Password of an encrypted PEM private key. */
  readonly keyPassword: string | null
  /** PEM CA certificates client certificates must chain to (ssl.client.auth). */
  readonly truststoreLocation: string | null
  readonly clientAuth: 'none' | 'requested' | 'required'
}

const MAP_KEY = 'listener.security.protocol.map'

/** The protocol of every listener, from the map's `NAME:PROTOCOL` entries. */
export function listenerProtocols(
  listeners: readonly ListenerAddress[],
  entries: readonly string[],
): Map<string, SecurityProtocol> {
  const map = new Map<string, string>()
  for (const entry of entries) {
    const m = /^([A-Za-z0-9_]+):([A-Za-z_]+)$/.exec(entry)
    if (m === null) throw new ConfigError(MAP_KEY, `'${entry}' is not NAME:PROTOCOL`)
    map.set((m[1] ?? '').toUpperCase(), (m[2] ?? '').toUpperCase())
  }
  const out = new Map<string, SecurityProtocol>()
  for (const l of listeners) {
    const protocol = map.get(l.name)
    if (protocol === undefined)
      throw new ConfigError(MAP_KEY, `listener ${l.name} has no security protocol`)
    if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL')
      throw new ConfigError(
        MAP_KEY,
        `listener ${l.name}: ${protocol} is not implemented (SASL; see docs/SKIPPED.md)`,
      )
    if (protocol !== 'PLAINTEXT' && protocol !== 'SSL')
      throw new ConfigError(MAP_KEY, `listener ${l.name}: unknown protocol ${protocol}`)
    out.set(l.name, protocol)
  }
  return out
}

/**
 * The ssl.* settings; null when no listener speaks SSL (then they are not checked). The enum keys
 * (types, ssl.client.auth) were checked against their values like every key.
 */
export function sslSettings(
  get: (key: string) => string | undefined,
  needed: boolean,
): SslSettings | null {
  if (!needed) return null
  const set = (key: string): string | null => {
    const v = get(key)
    return v === undefined || v === '' ? null : v
  }
  const type = (get('ssl.keystore.type') ?? 'PEM') as SslSettings['keystoreType'] | 'JKS'
  if (type === 'JKS')
    throw new ConfigError(
      'ssl.keystore.type',
      'JKS is not supported; convert it with `keytool -importkeystore -deststoretype PKCS12` ' +
        'or use PEM',
    )
  const keystoreLocation = set('ssl.keystore.location')
  if (keystoreLocation === null)
    throw new ConfigError('ssl.keystore.location', 'an SSL listener needs a key and certificate')
  const clientAuth = (get('ssl.client.auth') ?? 'none') as SslSettings['clientAuth']
  const truststoreLocation = set('ssl.truststore.location')
  if (clientAuth !== 'none' && truststoreLocation === null)
    throw new ConfigError(
      'ssl.truststore.location',
      `ssl.client.auth=${clientAuth} needs the CA certificates to check clients against`,
    )
  return {
    keystoreType: type,
    keystoreLocation,
    keystorePassword: set('ssl.keystore.password'),
    keyPassword: set('ssl.key.password'),
    truststoreLocation,
    clientAuth,
  }
}
