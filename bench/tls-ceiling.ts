// The ceiling for a broker reading produce data over TLS: a bare Node TLS server in this process
// that only counts what a client (a child process writing 1 MiB chunks) sends it, with the same
// key material and Node's default cipher choice. Reports the server's CPU-s/GB.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import tls from 'node:tls'
import type { TestCerts } from './tls-certs.js'

const CLIENT = `
const tls = require('node:tls')
const [port, ca, mib] = process.argv.slice(1)
const chunk = Buffer.alloc(1 << 20, 7)
const s = tls.connect({ host: '127.0.0.1', port: Number(port), ca: require('fs').readFileSync(ca) }, async () => {
  for (let i = 0; i < Number(mib); i++) if (!s.write(chunk)) await new Promise((r) => s.once('drain', r))
  s.end()
})
s.resume()
`

export async function tlsReceiveCeiling(
  certs: TestCerts,
  bytes: number,
): Promise<{ cpuSecPerGB: number; mbPerSec: number }> {
  const pem = fs.readFileSync(certs.serverPem)
  const mib = Math.max(1, Math.round(bytes / (1 << 20)))
  let cpu0 = process.cpuUsage()
  let t0 = 0n
  let received = 0
  const done = new Promise<{ cpu: number; seconds: number }>((resolve) => {
    const srv = tls.createServer({ key: pem, cert: pem }, (s) => {
      cpu0 = process.cpuUsage()
      t0 = process.hrtime.bigint()
      s.on('data', (c: Buffer) => (received += c.length))
      s.on('end', () => {
        const u = process.cpuUsage(cpu0)
        resolve({
          cpu: (u.user + u.system) / 1e6,
          seconds: Number(process.hrtime.bigint() - t0) / 1e9,
        })
        s.end()
        srv.close()
      })
    })
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port
      spawn(process.execPath, ['-e', CLIENT, String(port), certs.ca, String(mib)], {
        stdio: 'inherit',
      })
    })
  })
  const r = await done
  if (received !== mib * (1 << 20)) throw new Error(`TLS ceiling received ${received} bytes`)
  return { cpuSecPerGB: r.cpu / (received / 1e9), mbPerSec: received / 1e6 / r.seconds }
}
