// Starts a real single-member etcd (Debian package `etcd-server`, binary /usr/bin/etcd or `etcd`
// on PATH) on free loopback ports with its data in a temp dir. Every etcd started here is stopped
// and its dir removed by stop() or, as a safety net, in afterAll.

import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'

export interface EtcdServer {
  /** `etcd://127.0.0.1:port`, the broker's metadata.store value. */
  readonly url: string
  readonly clientPort: number
  readonly dataDir: string
  /** Kills etcd (SIGKILL, as a crash) and starts it again on the same data dir and ports. */
  restart(options?: { downMs?: number }): Promise<void>
  stop(): Promise<void>
}

const running = new Set<{ proc: ChildProcess; dir: string }>()

afterAll(async () => {
  await Promise.all([...running].map((r) => kill(r)))
})

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => proc.once('exit', () => resolve()))
}

async function kill(r: { proc: ChildProcess; dir: string }): Promise<void> {
  const done = exited(r.proc)
  if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL')
  await done
  running.delete(r)
  rmSync(r.dir, { recursive: true, force: true })
}

export function etcdBinary(): string {
  if (existsSync('/usr/bin/etcd')) return '/usr/bin/etcd'
  const found = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' })
  const bin = found.stdout.trim()
  if (found.status !== 0 || bin === '') {
    throw new Error(
      'etcd not found: install the Debian package etcd-server (apt-get install etcd-server)',
    )
  }
  return bin
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1')
    sock.once('connect', () => {
      sock.destroy()
      resolve(true)
    })
    sock.once('error', () => resolve(false))
  })
}

export async function startEtcd(options: { startTimeoutMs?: number } = {}): Promise<EtcdServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'samsa-etcd-'))
  const clientPort = await freePort()
  const peerPort = await freePort()
  const timeoutMs = options.startTimeoutMs ?? 20_000
  let entry = await spawnEtcd(dir, clientPort, peerPort, timeoutMs)
  return {
    url: `etcd://127.0.0.1:${clientPort}`,
    clientPort,
    dataDir: dir,
    restart: async ({ downMs = 0 } = {}) => {
      const done = exited(entry.proc)
      entry.proc.kill('SIGKILL')
      await done
      running.delete(entry)
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs))
      entry = await spawnEtcd(dir, clientPort, peerPort, timeoutMs)
    },
    stop: () => kill(entry),
  }
}

async function spawnEtcd(
  dir: string,
  clientPort: number,
  peerPort: number,
  timeoutMs: number,
): Promise<{ proc: ChildProcess; dir: string }> {
  const bin = etcdBinary()
  const client = `http://127.0.0.1:${clientPort}`
  const peer = `http://127.0.0.1:${peerPort}`
  const proc = spawn(
    bin,
    [
      '--name',
      'test',
      '--data-dir',
      dir,
      '--listen-client-urls',
      client,
      '--advertise-client-urls',
      client,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `test=${peer}`,
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const entry = { proc, dir }
  running.add(entry)
  let out = ''
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await kill(entry)
      throw new Error(`etcd exited before listening:\n${out}`)
    }
    if (await canConnect(clientPort)) break
    if (Date.now() > deadline) {
      await kill(entry)
      throw new Error(`etcd did not listen within the timeout:\n${out}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return entry
}
