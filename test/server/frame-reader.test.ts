import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Connection } from '../../src/server/connection.js'
import type { FrameHandler, Response } from '../../src/server/connection.js'
import { FrameReader } from '../../src/server/frame-reader.js'
import { FrameError } from '../../src/server/frame-splitter.js'
import { newBrokerStats } from '../../src/server/stats.js'
import { RawClient } from './raw-client.js'

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length)
  return Buffer.concat([size, body])
}

function body(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff
  return b
}

/** Feeds `stream` through the reader the way a socket would, at most `step` bytes per read. */
function feed(reader: FrameReader, stream: Buffer, step: number): number[] {
  const readSizes: number[] = []
  let pos = 0
  while (pos < stream.length) {
    const target = reader.readBuffer()
    expect(target.length).toBeGreaterThan(0)
    const n = Math.min(step, target.length, stream.length - pos)
    stream.copy(target, 0, pos, pos + n)
    pos += n
    readSizes.push(n)
    reader.received(n)
  }
  return readSizes
}

function collect(max = 64 << 20, initial?: number): { reader: FrameReader; frames: Buffer[] } {
  const frames: Buffer[] = []
  // Frames are only valid during the callback: keep copies.
  const reader = new FrameReader(max, (f) => frames.push(Buffer.from(f)), initial)
  return { reader, frames }
}

describe('FrameReader', () => {
  it('splits frames at every read size, including reads that end inside the size prefix', () => {
    const bodies = [body(20, 4), body(8, 5), body(333, 6), body(9, 7)]
    const stream = Buffer.concat(bodies.map(frame))
    for (const step of [1, 2, 3, 5, 7, 64, 1000]) {
      const { reader, frames } = collect(1 << 20, 64)
      feed(reader, stream, step)
      expect(frames).toEqual(bodies)
      expect(reader.pendingBytes).toBe(0)
    }
  })

  it('grows for a frame larger than its buffer and gives an oversized buffer back after it', () => {
    const big = body(20 << 20, 9)
    const small = body(100, 10)
    const { reader, frames } = collect(64 << 20, 1024)
    feed(reader, Buffer.concat([frame(small), frame(big), frame(small)]), 1 << 20)
    expect(frames.length).toBe(3)
    expect(frames[1]?.equals(big)).toBe(true)
    expect(frames[2]).toEqual(small)
    expect(reader.capacity).toBeLessThanOrEqual(16 << 20)
  })

  it('stops a read at the end of a large frame, so the next frame starts the buffer', () => {
    const a = body(200_000, 1)
    const b = body(150_000, 2)
    const { reader, frames } = collect(1 << 20, 256 * 1024)
    const sizes = feed(reader, Buffer.concat([frame(a), frame(b)]), 64 * 1024)
    expect(frames.length).toBe(2)
    expect(frames[0]?.equals(a)).toBe(true)
    expect(frames[1]?.equals(b)).toBe(true)
    // The read that completes `a` ends exactly at its last byte.
    let sum = 0
    const ends = sizes.map((n) => (sum += n))
    expect(ends).toContain(4 + a.length)
    // Both frames fit the initial buffer: nothing was reallocated.
    expect(reader.capacity).toBe(256 * 1024)
  })

  it('refuses oversized and undersized frames with FrameError before buffering them', () => {
    const { reader } = collect(1000)
    const head = Buffer.alloc(4)
    head.writeInt32BE(1001)
    expect(() => feed(reader, head, 4)).toThrow(FrameError)
    head.writeInt32BE(3)
    expect(() => feed(reader, head, 4)).toThrow(/below the minimum/)
  })

  it('hands out frames as views of its own buffer, reused by the next read', () => {
    const seen: Buffer[] = []
    const reader = new FrameReader(1 << 20, (f) => seen.push(f), 4096)
    const first = reader.readBuffer()
    feed(reader, frame(body(50, 1)), 4096)
    feed(reader, frame(body(50, 2)), 4096)
    expect(seen[0]?.buffer).toBe(first.buffer)
    // Same bytes of the same buffer: the first frame was overwritten by the second.
    expect(seen[0]?.byteOffset).toBe(seen[1]?.byteOffset)
    expect(Buffer.from(seen[0] as Buffer)).toEqual(body(50, 2))
  })
})

/** A request frame: api key, version 0, correlation id, then `extra` bytes. */
function request(apiKey: number, correlationId: number, extra: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeInt16BE(apiKey, 0)
  head.writeInt16BE(0, 2)
  head.writeInt32BE(correlationId, 4)
  return frame(Buffer.concat([head, extra]))
}

function resp(correlationId: number): Response {
  const b = Buffer.alloc(8)
  b.writeInt32BE(4, 0)
  b.writeInt32BE(correlationId, 4)
  return { chunks: [b] }
}

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
})

async function servePaused(
  handleFrame: FrameHandler,
): Promise<{ client: RawClient; server: net.Server; conn: () => Connection }> {
  let conn: Connection | undefined
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => {
    conn = new Connection(s, {
      id: 1,
      maxRequestBytes: 8 << 20,
      idleTimeoutMs: -1,
      handleFrame,
      stats: newBrokerStats(),
      log: () => {},
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const client = await RawClient.connect((server.address() as net.AddressInfo).port)
  cleanups.push(() => {
    client.close()
    server.close()
  })
  while (conn === undefined) await new Promise((r) => setTimeout(r, 5))
  return { client, server, conn: () => conn as Connection }
}

describe('Connection over a pauseOnConnect socket (owned read buffer)', () => {
  it('copies frames an async handler keeps, lends Produce frames, and closes cleanly', async () => {
    const payload = (n: number, seed: number): Buffer => body(n, seed)
    const kept: Array<{ corr: number; frame: Buffer }> = []
    const produceViews: Buffer[] = []
    const { client, server, conn } = await servePaused((f) => {
      const corr = f.readInt32BE(4)
      if (f.readInt16BE(0) === 0) {
        // Produce is consumed synchronously: check its bytes now.
        expect(f.subarray(8).equals(payload(f.length - 8, corr))).toBe(true)
        produceViews.push(f)
        return resp(corr)
      }
      kept.push({ corr, frame: f })
      return new Promise((r) => setTimeout(() => r(resp(corr)), 40))
    })
    const parts: Buffer[] = []
    for (let corr = 1; corr <= 40; corr++) {
      const big = corr % 2 === 0
      parts.push(request(big ? 0 : 3, corr, payload(big ? 300_000 : 50, corr)))
    }
    client.write(Buffer.concat(parts))
    const got: number[] = []
    for (let i = 0; i < 40; i++) got.push(((await client.next()) as Buffer).readInt32BE(0))
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    // Non-produce frames survived the later reads that reused the connection's buffer.
    expect(kept.length).toBe(20)
    for (const k of kept) expect(k.frame.subarray(8).equals(payload(50, k.corr))).toBe(true)
    // Produce frames were views of one reused buffer, not per-read allocations.
    expect(new Set(produceViews.map((v) => v.buffer)).size).toBe(1)
    client.close()
    await new Promise<void>((r) => {
      const wait = (): void => {
        if (conn().isClosed) r()
        else setTimeout(wait, 5)
      }
      wait()
    })
    // The re-wrapped socket took over the server's connection count: close() completes.
    await new Promise<void>((r) => server.close(() => r()))
  })
})
