import { promises as fsp } from 'node:fs'
import type net from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { sendfile } from '../../src/native/index.js'
import {
  collect,
  connect,
  fdOf,
  listen,
  OrderedWriter,
  pair,
  rejection,
  sleep,
  TestFiles,
} from './sendfile-helpers.js'

const files = new TestFiles()
afterAll(() => files.cleanup())

describe('sendfile', () => {
  it('sends several regions of two files in order, byte-exact', async () => {
    const a = files.create('a.bin', 3 << 20)
    const b = files.create('b.bin', 100_000)
    const p = await pair()
    try {
      const regions = [
        { fd: a.fd, position: 10, length: 2 << 20 },
        { fd: b.fd, position: 0, length: 0 },
        { fd: b.fd, position: 99_000, length: 1000 },
        { fd: a.fd, position: 0, length: 5 },
        { fd: b.fd, position: 7, length: 50_000 },
      ]
      const expected = Buffer.concat(
        regions.map((r) =>
          (r.fd === a.fd ? a.data : b.data).subarray(r.position, r.position + r.length),
        ),
      )
      const received = collect(p.client, expected.length)
      expect(await sendfile(p.fd, regions)).toBe(expected.length)
      expect((await received).equals(expected)).toBe(true)
    } finally {
      await p.close()
    }
  })

  it('resolves 0 for nothing to send and rejects bad arguments', async () => {
    const a = files.create('args.bin', 10)
    expect(await sendfile(1, [])).toBe(0)
    expect(await sendfile(1, [{ fd: a.fd, position: 0, length: 0 }])).toBe(0)
    const badSocket = await rejection(sendfile(1_000_000, [{ fd: a.fd, position: 0, length: 1 }]))
    expect(badSocket).toMatchObject({ code: 'EBADF', errno: 9, syscall: 'dup' })
    const badRegion = await rejection(sendfile(1, [{ fd: a.fd, position: -1, length: 1 }]))
    expect(badRegion).toBeInstanceOf(TypeError)
    // A regular file is not a non-blocking socket: refused rather than parking the thread.
    const notSocket = await rejection(sendfile(a.fd, [{ fd: a.fd, position: 0, length: 1 }]))
    expect(notSocket).toMatchObject({ code: 'EINVAL', syscall: 'fcntl' })
  })

  it('waits for a slow reader (EAGAIN) and stays byte-exact', async () => {
    const f = files.create('slow.bin', 24 << 20)
    const p = await pair(true)
    try {
      let settled = false
      const send = sendfile(p.fd, [{ fd: f.fd, position: 0, length: f.data.length }])
      send.catch(() => {})
      void send.then(() => (settled = true))
      await sleep(300)
      expect(settled).toBe(false) // socket buffers are full: the op is parked on EPOLLOUT
      const received = collect(p.client, f.data.length)
      expect(await send).toBe(f.data.length)
      expect((await received).equals(f.data)).toBe(true)
    } finally {
      await p.close()
    }
  })

  it('cancel() during a wait rejects promptly with ECANCELED and bytesSent', async () => {
    const f = files.create('cancel.bin', 32 << 20)
    const p = await pair(true)
    try {
      const send = sendfile(p.fd, [{ fd: f.fd, position: 0, length: f.data.length }])
      send.catch(() => {})
      await sleep(200)
      const t0 = performance.now()
      send.cancel()
      const err = await rejection(send)
      const elapsed = performance.now() - t0
      expect(err).toMatchObject({ code: 'ECANCELED', syscall: 'sendfile' })
      expect(err.bytesSent).toBeGreaterThan(0)
      expect(err.bytesSent).toBeLessThan(f.data.length)
      expect(elapsed).toBeLessThan(100)
      send.cancel() // after settling: a no-op
    } finally {
      await p.close()
    }
  })

  it('times out with ETIMEDOUT when the reader makes no progress', async () => {
    const f = files.create('timeout.bin', 32 << 20)
    const p = await pair(true)
    try {
      const t0 = performance.now()
      const err = await rejection(
        sendfile(p.fd, [{ fd: f.fd, position: 0, length: f.data.length }], { timeoutMs: 250 }),
      )
      const elapsed = performance.now() - t0
      expect(err).toMatchObject({ code: 'ETIMEDOUT', errno: 110, syscall: 'sendfile' })
      expect(elapsed).toBeGreaterThanOrEqual(240)
      expect(elapsed).toBeLessThan(2000)
    } finally {
      await p.close()
    }
  })

  it('rejects with ECONNRESET or EPIPE when the peer resets', async () => {
    const f = files.create('reset.bin', 32 << 20)
    const p = await pair(true)
    try {
      const send = sendfile(p.fd, [{ fd: f.fd, position: 0, length: f.data.length }])
      send.catch(() => {})
      await sleep(150)
      p.client.resetAndDestroy()
      const err = await rejection(send)
      expect(['ECONNRESET', 'EPIPE']).toContain(err.code)
      expect(err.bytesSent).toBeLessThan(f.data.length)
    } finally {
      await p.close()
    }
  })

  it("rejects with code 'EOF' when the file is shorter than the region", async () => {
    const f = files.create('short.bin', 1000)
    const p = await pair()
    try {
      const received = collect(p.client, 1000)
      const err = await rejection(sendfile(p.fd, [{ fd: f.fd, position: 0, length: 5000 }]))
      expect(err).toMatchObject({ code: 'EOF', errno: 0, syscall: 'sendfile', bytesSent: 1000 })
      expect((await received).equals(f.data)).toBe(true)
    } finally {
      await p.close()
    }
  })

  it('never sends into a new connection that reuses the fd number of a closed one', async () => {
    const f = files.create('reuse.bin', 32 << 20)
    const { server, port, next } = await listen()
    // The sender is the client side here, so the next connect() in this process gets the
    // lowest free descriptor: the one Node just closed.
    const senderA = await connect(port)
    const readerA = await next()
    readerA.pause()
    const fdA = fdOf(senderA)
    const send = sendfile(fdA, [{ fd: f.fd, position: 0, length: f.data.length }])
    send.catch(() => {})
    await sleep(100)
    senderA.destroy() // Node closes its fd while the send is parked
    await sleep(20)
    // Connect until a new socket gets the closed number (another fd may have taken it first).
    const spare: net.Socket[] = []
    let senderB = await connect(port)
    let readerB = await next()
    for (let i = 0; i < 10 && fdOf(senderB) !== fdA; i++) {
      spare.push(senderB, readerB)
      senderB = await connect(port)
      readerB = await next()
    }
    let leaked = 0
    readerB.on('data', (d: Buffer) => (leaked += d.length))
    try {
      expect(fdOf(senderB)).toBe(fdA) // the number really was reused
      await sleep(300)
      expect(leaked).toBe(0)
      // The dup kept connection A alive: its reader still gets the right bytes.
      const head = await new Promise<Buffer>((resolve) => {
        readerA.once('data', (d: Buffer) => {
          readerA.pause()
          resolve(d)
        })
        readerA.resume()
      })
      expect(head.equals(f.data.subarray(0, head.length))).toBe(true)
      send.cancel()
      expect((await rejection(send)).code).toBe('ECANCELED')
      await sleep(50)
      expect(leaked).toBe(0)
    } finally {
      for (const s of [readerA, senderB, readerB, ...spare]) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('1000 pipelined header + sendfile + trailer responses arrive byte-exact', async () => {
    const f = files.create('pipeline.bin', 4 << 20)
    const p = await pair()
    try {
      const writer = new OrderedWriter(p.serverSocket)
      const parts: Buffer[] = []
      let seed = 12345
      const rand = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff
        return seed % n
      }
      for (let i = 0; i < 1000; i++) {
        const length = 1 + rand(32_768)
        const position = rand(f.data.length - length)
        const header = Buffer.alloc(8)
        header.writeInt32BE(i, 0)
        header.writeInt32BE(length, 4)
        const trailer = Buffer.from(`T${i}.`)
        writer.push(header)
        writer.push({ fd: f.fd, position, length })
        if (i % 7 === 0) {
          const extra = rand(1000)
          writer.push({ fd: f.fd, position: extra, length: 100 }) // two regions in one op
          parts.push(
            header,
            f.data.subarray(position, position + length),
            f.data.subarray(extra, extra + 100),
          )
        } else {
          parts.push(header, f.data.subarray(position, position + length))
        }
        writer.push(trailer)
        parts.push(trailer)
      }
      const expected = Buffer.concat(parts)
      const received = await collect(p.client, expected.length, 20_000)
      await writer.drained()
      expect(writer.error).toBeNull()
      expect(received.length).toBe(expected.length)
      expect(received.equals(expected)).toBe(true)
    } finally {
      await p.close()
    }
  })

  it('four stalled readers do not delay fs calls', async () => {
    const f = files.create('stall.bin', 32 << 20)
    const pairs = await Promise.all([pair(true), pair(true), pair(true), pair(true)])
    const sends = pairs.map((p) =>
      sendfile(p.fd, [{ fd: f.fd, position: 0, length: f.data.length }]),
    )
    const settled = sends.map(() => false)
    sends.forEach(
      (s, i) =>
        void s.then(
          () => (settled[i] = true),
          () => (settled[i] = true),
        ),
    )
    try {
      await sleep(200)
      let worst = 0
      for (let i = 0; i < 40; i++) {
        const t0 = performance.now()
        await Promise.all([
          fsp.stat(files.dir),
          fsp.stat(files.dir),
          fsp.stat(files.dir),
          fsp.stat(files.dir),
        ])
        worst = Math.max(worst, performance.now() - t0)
      }
      expect(settled).toEqual([false, false, false, false]) // all four still parked
      expect(worst).toBeLessThan(100)
    } finally {
      for (const s of sends) s.cancel()
      for (const s of sends) expect((await rejection(s)).code).toBe('ECANCELED')
      await Promise.all(pairs.map((p) => p.close()))
    }
  })
})
