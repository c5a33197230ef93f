// Redis Streams baseline: redis-server (appendonly yes, appendfsync everysec) on a free loopback
// port with its data in a temp dir; XADD pipelined from one connection (the same encoded command
// written many times), then the stream read back with XREAD COUNT n, one reply after another.

import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { cpuSeconds, freePort, rssBytes, stopAndRemove, waitForPort } from './proc.js'
import { RespError, RespParser, encodeCommand } from './resp.js'
import type { RespValue } from './resp.js'

export interface RedisServer {
  port: number
  pid: number | null
  version: string
  stop(): Promise<void>
}

export function redisAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error === undefined
}

export async function startRedis(): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-redis-'))
  const port = await freePort()
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim()
  const proc: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
    ],
    { stdio: 'ignore' },
  )
  const stop = stopAndRemove(proc, dir, 10_000)
  try {
    await waitForPort('127.0.0.1', port, 15_000)
  } catch (err) {
    await stop()
    throw err
  }
  return { port, pid: proc.pid ?? null, version, stop }
}

/** A pipelined RESP connection: replies resolve in command order. */
export class RespClient {
  private readonly parser = new RespParser()
  private readonly waiting: Array<(v: RespValue) => void> = []
  private head = 0
  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true)
    socket.on('data', (c: Buffer) => {
      for (const v of this.parser.push(c)) {
        const w = this.waiting[this.head++]
        if (this.head > 4096) {
          this.waiting.splice(0, this.head)
          this.head = 0
        }
        w?.(v)
      }
    })
  }

  static connect(port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1')
      s.once('error', reject)
      s.once('connect', () => {
        s.off('error', reject)
        resolve(new RespClient(s))
      })
    })
  }

  /** Writes an encoded command (possibly several concatenated); one callback per reply. */
  write(encoded: Buffer, replies: number, onReply: (v: RespValue) => void): void {
    for (let i = 0; i < replies; i++) this.waiting.push(onReply)
    this.socket.write(encoded)
  }

  call(args: Array<string | Buffer>): Promise<RespValue> {
    return new Promise((resolve) => this.write(encodeCommand(args), 1, resolve))
  }

  close(): void {
    this.socket.destroy()
  }
}

export interface RedisRun {
  messages: number
  bytes: number
  seconds: number
  msgsPerSec: number
  mbPerSec: number
  serverCpuSecPerGb: number | null
  serverRssBytes: number | null
}

function run(
  messages: number,
  size: number,
  ns: number,
  cpu: number | null,
  pid: number | null,
): RedisRun {
  const seconds = ns / 1e9
  const bytes = messages * size
  return {
    messages,
    bytes,
    seconds,
    msgsPerSec: messages / seconds,
    mbPerSec: bytes / 1e6 / seconds,
    serverCpuSecPerGb: cpu === null ? null : cpu / (bytes / 1e9),
    serverRssBytes: rssBytes(pid),
  }
}

/** XADD `messages` values of `size` bytes, `pipeline` commands per write, `windows` writes in flight. */
export async function redisXadd(
  server: RedisServer,
  stream: string,
  messages: number,
  size: number,
  pipeline = 64,
  windows = 4,
): Promise<RedisRun> {
  const client = await RespClient.connect(server.port)
  try {
    const one = encodeCommand(['XADD', stream, '*', 'v', Buffer.alloc(size, 120)])
    const group = Buffer.concat(Array.from({ length: pipeline }, () => one))
    const cpu0 = cpuSeconds(server.pid)
    const t0 = process.hrtime.bigint()
    await new Promise<void>((resolve, reject) => {
      let sentGroups = 0
      let replied = 0
      const totalGroups = Math.ceil(messages / pipeline)
      const onReply = (v: RespValue): void => {
        if (v instanceof RespError) return reject(new Error(`XADD: ${v.message}`))
        replied++
        if (replied === totalGroups * pipeline) resolve()
        else if (replied % pipeline === 0 && sentGroups < totalGroups) send()
      }
      const send = (): void => {
        sentGroups++
        client.write(group, pipeline, onReply)
      }
      for (let i = 0; i < windows && sentGroups < totalGroups; i++) send()
    })
    const ns = Number(process.hrtime.bigint() - t0)
    const cpu1 = cpuSeconds(server.pid)
    const total = Math.ceil(messages / pipeline) * pipeline
    return run(total, size, ns, cpu0 === null || cpu1 === null ? null : cpu1 - cpu0, server.pid)
  } finally {
    client.close()
  }
}

/** Reads the whole stream with XREAD COUNT `count`, each read starting after the last id seen. */
export async function redisXread(
  server: RedisServer,
  stream: string,
  messages: number,
  count = 100,
): Promise<RedisRun> {
  const client = await RespClient.connect(server.port)
  try {
    let last = '0-0'
    let read = 0
    let bytes = 0
    const cpu0 = cpuSeconds(server.pid)
    const t0 = process.hrtime.bigint()
    while (read < messages) {
      const reply = await client.call(['XREAD', 'COUNT', String(count), 'STREAMS', stream, last])
      if (reply instanceof RespError) throw new Error(`XREAD: ${reply.message}`)
      // [[stream, [[id, [field, value]], ...]]]
      const entries = Array.isArray(reply) && Array.isArray(reply[0]) ? reply[0][1] : null
      if (!Array.isArray(entries) || entries.length === 0) break
      for (const e of entries) {
        if (!Array.isArray(e)) continue
        const fields = e[1]
        if (Array.isArray(fields) && Buffer.isBuffer(fields[1])) bytes += fields[1].length
      }
      const lastEntry = entries[entries.length - 1]
      if (!Array.isArray(lastEntry) || !Buffer.isBuffer(lastEntry[0])) break
      last = lastEntry[0].toString('latin1')
      read += entries.length
    }
    const ns = Number(process.hrtime.bigint() - t0)
    const cpu1 = cpuSeconds(server.pid)
    const r = run(
      read,
      read > 0 ? bytes / read : 0,
      ns,
      cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
      server.pid,
    )
    return r
  } finally {
    client.close()
  }
}
