// Throwaway certificates for TLS benchmarks and tests, made with the openssl command-line tool
// (Debian package `openssl`): a CA, a server certificate for 127.0.0.1 and localhost, and a
// client certificate, all signed by that CA, in a directory the caller owns.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

export interface TestCerts {
  readonly dir: string
  /** CA certificate (PEM). */
  readonly ca: string
  /** Server private key and certificate in one PEM file (ssl.keystore.location). */
  readonly serverPem: string
  /** Client private key and certificate (separate PEM files, as librdkafka takes them). */
  readonly clientKey: string
  readonly clientCert: string
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 30_000 })
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT')
      throw new Error('openssl not found: install the Debian package `openssl` (see README)', {
        cause: err,
      })
    throw new Error(`openssl ${args[0] ?? ''} failed: ${String((err as Error).message)}`, {
      cause: err,
    })
  }
}

function signed(dir: string, name: string, cn: string, ext: string | null): void {
  openssl(dir, [
    ...['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`],
    ...['-out', `${name}.csr`, '-subj', `/CN=${cn}`],
  ])
  const extArgs = ext === null ? [] : ['-extfile', `${name}.ext`]
  if (ext !== null) fs.writeFileSync(path.join(dir, `${name}.ext`), ext)
  openssl(dir, [
    ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key'],
    ...['-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...extArgs],
  ])
}

export function makeTestCerts(dir: string): TestCerts {
  openssl(dir, [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem'],
    ...['-days', '2', '-subj', '/CN=samsa-test-ca'],
  ])
  signed(dir, 'server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  signed(dir, 'client', 'samsa-test-client', null)
  const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8')
  fs.writeFileSync(path.join(dir, 'server.pem'), read('server.key') + read('server.crt'))
  return {
    dir,
    ca: path.join(dir, 'ca.pem'),
    serverPem: path.join(dir, 'server.pem'),
    clientKey: path.join(dir, 'client.key'),
    clientCert: path.join(dir, 'client.crt'),
  }
}
