// Loopback socket pairs, test files and a minimal ordered writer (R1-R3) for the sendfile tests.
import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sendfile } from '../../src/native/index.js'
import type { FileRegion, NativeError } from '../../src/native/index.js'

export interface Pair {
  server: net.Server
  serverSocket: net.Socket
  client: net.Socket
  fd: number
  close(): Promise<void>
}

export function fdOf(socket: net.Socket): number {
  return (socket as unknown as { _handle: { fd: number } })._handle.fd
}

/** A listening server whose accepted sockets are delivered in order. */
export async function listen(): Promise<{
  server: net.Server
  port: number
  next(): Promise<net.Socket>
}> {
  const accepted: net.Socket[] = []
  const waiters: ((s: net.Socket) => void)[] = []
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {}) // errors are asserted through the sendfile promise
    const waiter = waiters.shift()
    if (waiter !== undefined) waiter(socket)
    else accepted.push(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  const next = (): Promise<net.Socket> => {
    const s = accepted.shift()
    return s !== undefined ? Promise.resolve(s) : new Promise((resolve) => waiters.push(resolve))
  }
  return { server, port, next }
}

export async function connect(port: number, paused = false): Promise<net.Socket> {
  const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  client.on('error', () => {})
  if (paused) client.pause()
  await new Promise<void>((resolve) => client.once('connect', () => resolve()))
  return client
}

export async function pair(paused = false): Promise<Pair> {
  const { server, port, next } = await listen()
  const client = await connect(port, paused)
  const serverSocket = await next()
  return {
    server,
    serverSocket,
    client,
    fd: fdOf(serverSocket),
    close: async () => {
      client.destroy()
      serverSocket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Collects everything the socket receives until `bytes` arrived (or end). */
export function collect(socket: net.Socket, bytes: number, timeoutMs = 10_000): Promise<Buffer> {
  const out = Buffer.alloc(bytes)
  let filled = 0
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`received ${filled} of ${bytes} bytes`)),
      timeoutMs,
    )
    const finish = (): void => {
      clearTimeout(timer)
      socket.off('data', onData)
      resolve(out.subarray(0, filled))
    }
    const onData = (chunk: Buffer): void => {
      if (filled + chunk.length > bytes) {
        clearTimeout(timer)
        reject(new Error(`received more than ${bytes} bytes`))
        return
      }
      chunk.copy(out, filled)
      filled += chunk.length
      if (filled === bytes) finish()
    }
    socket.on('data', onData)
    socket.once('end', finish)
    socket.resume()
  })
}

export class TestFiles {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'samsa-sendfile-'))
  private fds: number[] = []

  /** A file of random bytes, opened read-only; returns its fd and contents. */
  create(name: string, size: number): { fd: number; data: Buffer } {
    const data = randomBytes(size)
    const file = path.join(this.dir, name)
    writeFileSync(file, data)
    const fd = openSync(file, 'r')
    this.fds.push(fd)
    return { fd, data }
  }

  cleanup(): void {
    for (const fd of this.fds) closeSync(fd)
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/**
 * One writer per connection (R1): buffers go through socket.write only while no sendfile is in
 * flight (R3); a run of regions starts only once socket.writableLength is 0 (R2).
 */
export class OrderedWriter {
  private queue: (Buffer | FileRegion)[] = []
  private pumping = false
  private idle: (() => void)[] = []
  error: Error | null = null

  constructor(private readonly socket: net.Socket) {}

  push(chunk: Buffer | FileRegion): void {
    this.queue.push(chunk)
    if (!this.pumping) void this.pump()
  }

  drained(): Promise<void> {
    if (!this.pumping && this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idle.push(resolve))
  }

  private async pump(): Promise<void> {
    this.pumping = true
    const fd = fdOf(this.socket)
    let lastWrite: Promise<void> = Promise.resolve()
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]
        if (Buffer.isBuffer(head)) {
          this.queue.shift()
          lastWrite = new Promise((resolve) => this.socket.write(head, () => resolve()))
          continue
        }
        const regions: FileRegion[] = []
        while (this.queue.length > 0 && !Buffer.isBuffer(this.queue[0])) {
          regions.push(this.queue.shift() as FileRegion)
        }
        while (this.socket.writableLength > 0) {
          await lastWrite
          if (this.socket.writableLength > 0) await new Promise((r) => setImmediate(r))
        }
        await sendfile(fd, regions)
      }
    } catch (err) {
      this.error = err as Error
      this.queue = []
    }
    this.pumping = false
    for (const resolve of this.idle.splice(0)) resolve()
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** The rejection of `p` (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<NativeError> {
  try {
    await p
  } catch (err) {
    return err as NativeError
  }
  throw new Error('expected a rejection')
}

/** Runs `fn` on a fresh socket pair and closes it afterwards. */
export async function withPair<T>(paused: boolean, fn: (p: Pair) => Promise<T>): Promise<T> {
  const p = await pair(paused)
  try {
    return await fn(p)
  } finally {
    await p.close()
  }
}
