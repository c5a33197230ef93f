// Key material for SSL listeners: PEM (key and chain in one file, optionally an encrypted key)
// and PKCS12 load; wrong passwords and unreadable files are ConfigErrors naming the key.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { SslSettings } from '../../src/config/listener-security.js'
import { tlsServerOptions } from '../../src/server/tls-options.js'
import { makeTestCerts } from '../helpers/tls-certs.js'
import type { TestCerts } from '../helpers/tls-certs.js'

let certs: TestCerts
const base = (o: Partial<SslSettings>): SslSettings => ({
  keystoreType: 'PEM',
  keystoreLocation: certs.serverPem,
  keystorePassword: null,
  keyPassword: null,
  truststoreLocation: null,
  clientAuth: 'none',
  ...o,
})

beforeAll(() => {
  certs = makeTestCerts()
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: certs.dir, stdio: 'pipe', timeout: 30_000 })
  }
  run([
    ...['pkcs12', '-export', '-inkey', 'server.key', '-in', 'server.crt'],
    ...['-out', 'server.p12', '-passout', 'pass:store-secret'],
  ])
  run([
    ...['pkey', '-in', 'server.key', '-aes256', '-passout', 'pass:key-secret'],
    ...['-out', 'server-enc.key'],
  ])
  const read = (f: string): string => fs.readFileSync(path.join(certs.dir, f), 'utf8')
  fs.writeFileSync(
    path.join(certs.dir, 'server-enc.pem'),
    read('server-enc.key') + read('server.crt'),
  )
}, 60_000)

describe('tlsServerOptions', () => {
  it('loads PEM, encrypted PEM and PKCS12 key material', () => {
    expect(tlsServerOptions(base({})).requestCert).toBe(false)
    const enc = path.join(certs.dir, 'server-enc.pem')
    expect(
      tlsServerOptions(base({ keystoreLocation: enc, keyPassword: 'key-secret' })).passphrase,
    ).toBe('key-secret')
    const p12 = path.join(certs.dir, 'server.p12')
    const o = tlsServerOptions(
      base({ keystoreType: 'PKCS12', keystoreLocation: p12, keystorePassword: 'store-secret' }),
    )
    expect(o.pfx).toBeInstanceOf(Buffer)
    const mutual = tlsServerOptions(base({ clientAuth: 'required', truststoreLocation: certs.ca }))
    expect(mutual).toMatchObject({ requestCert: true, rejectUnauthorized: true })
  })

  it('names the key when the material cannot be used', () => {
    const enc = path.join(certs.dir, 'server-enc.pem')
    const p12 = path.join(certs.dir, 'server.p12')
    const cases: Array<[Partial<SslSettings>, RegExp]> = [
      [
        { keystoreLocation: path.join(certs.dir, 'missing.pem') },
        /ssl\.keystore\.location: cannot read/,
      ],
      [{ keystoreLocation: enc, keyPassword: 'wrong' }, /ssl\.keystore\.location: unusable key/],
      [
        { keystoreType: 'PKCS12', keystoreLocation: p12, keystorePassword: 'wrong' },
        /ssl\.keystore\.location: unusable key/,
      ],
      [
        { clientAuth: 'required', truststoreLocation: path.join(certs.dir, 'none.pem') },
        /ssl\.truststore\.location: cannot read/,
      ],
    ]
    for (const [o, why] of cases) expect(() => tlsServerOptions(base(o))).toThrow(why)
  })
})
