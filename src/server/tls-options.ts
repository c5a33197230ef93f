// The TLS server options of SSL listeners, read from the files ssl.* names. Read once at start-up:
// a missing or unreadable file, or a key that does not match its certificate, stops start-up
// with the key named rather than failing every handshake later.

import { readFileSync } from 'node:fs'
import tls from 'node:tls'
import { ConfigError } from '../config/config-error.js'
import type { SslSettings } from '../config/listener-security.js'

function read(key: string, file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    throw new ConfigError(key, `cannot read ${file}: ${(err as Error).message}`)
  }
}

export function tlsServerOptions(ssl: SslSettings): tls.TlsOptions {
  const options: tls.TlsOptions = { minVersion: 'TLSv1.2' }
  const store = read('ssl.keystore.location', ssl.keystoreLocation)
  if (ssl.keystoreType === 'PKCS12') {
    options.pfx = store
    if (ssl.keystorePassword !== null) options.passphrase = ssl.keystorePassword
  } else {
    // One PEM file holds both: OpenSSL picks the key block for `key`, the certificates for `cert`.
    options.key = store
    options.cert = store
    if (ssl.keyPassword !== null) options.passphrase = ssl.keyPassword
  }
  if (ssl.truststoreLocation !== null)
    options.ca = read('ssl.truststore.location', ssl.truststoreLocation)
  options.requestCert = ssl.clientAuth !== 'none'
  options.rejectUnauthorized = ssl.clientAuth === 'required'
  try {
    tls.createSecureContext(options)
  } catch (err) {
    throw new ConfigError(
      'ssl.keystore.location',
      `unusable key material: ${(err as Error).message}`,
    )
  }
  return options
}
