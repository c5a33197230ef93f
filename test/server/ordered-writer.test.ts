import { closeSync, openSync, writeFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FileRegion } from '../../src/native/index.js'
import type { Chunk } from '../../src/protocol/primitives/writer.js'
import { OrderedWriter } from '../../src/server/ordered-writer.js'
import { newWriterStats } from '../../src/server/stats.js'
import type { WriterStats } from '../../src/server/stats.js'

let dir: string
let fd: number
let content: Buffer
const FILE_BYTES = 3 * 1024 * 1024 + 123

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'samsa-writer-'))
  content = Buffer.alloc(FILE_BYTES)
  for (let i = 0; i < content.length; i++) content[i] = (i * 7 + (i >> 11)) & 0xff
  const file = path.join(dir, 'segment.log')
  writeFileSync(file, content)
  fd = openSync(file, 'r')
})

afterAll(() => {
  closeSync(fd)
  rmSync(dir, { recursive: true, force: true })
})

interface Pair {
  server: net.Socket
  received: Promise<Buffer>
  client: net.Socket
  close(): Promise<void>
}

/** A connected socket pair on loopback; the client collects everything until the server ends. */
async function pair(options: { slowReaderMs?: number } = {}): Promise<Pair> {
  const srv = net.createServer({ allowHalfOpen: true })
  const accepted = new Promise<net.Socket>((resolve) => srv.once('connection', resolve))
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as net.AddressInfo).port
  const client = net.connect({ port, host: '127.0.0.1' })
  const chunks: Buffer[] = []
  const received = new Promise<Buffer>((resolve) => {
    client.on('data', (c: Buffer) => {
      chunks.push(c)
      if (options.slowReaderMs !== undefined && chunks.length % 8 === 0) {
        client.pause()
        setTimeout(() => client.resume(), options.slowReaderMs)
      }
    })
    client.on('end', () => resolve(Buffer.concat(chunks)))
    client.on('close', () => resolve(Buffer.concat(chunks)))
    client.on('error', () => undefined)
  })
  const server = await accepted
  return {
    server,
    client,
    received,
    close: async () => {
      client.destroy()
      server.destroy()
      await new Promise<void>((resolve) => srv.close(() => resolve()))
    },
  }
}

/** Regions marked recent (page-cached) may be sent on the event loop. */
let markRecent = false

function region(position: number, length: number): FileRegion {
  return markRecent ? { fd, position, length, recent: true } : { fd, position, length }
}

/** A mixed response stream: small headers, file regions (some adjacent), big buffers. */
function workload(): { entries: Chunk[][]; expected: Buffer; regionBytes: number } {
  const entries: Chunk[][] = []
  const parts: Buffer[] = []
  let regionBytes = 0
  const buf = (s: string): Buffer => Buffer.from(s)
  const add = (chunks: Chunk[]): void => {
    entries.push(chunks)
    for (const c of chunks) {
      if (Buffer.isBuffer(c)) parts.push(c)
      else {
        parts.push(content.subarray(c.position, c.position + c.length))
        regionBytes += c.length
      }
    }
  }
  for (let i = 0; i < 20; i++) {
    add([buf(`hdr-${i}|`), region(i * 1000, 777 + i), buf(`|mid-${i}|`), region(50_000 + i, 10)])
    add([buf(`small-${i};`)])
  }
  add([buf('big:'), region(0, FILE_BYTES), region(5, 5), Buffer.alloc(200_000, 0x61)])
  add([buf('tail')])
  return { entries, expected: Buffer.concat(parts), regionBytes }
}

async function run(
  useSendfile: boolean,
  slowReaderMs?: number,
): Promise<{ stats: WriterStats; regionBytes: number; order: number[] }> {
  const p = await pair({ slowReaderMs })
  const stats = newWriterStats()
  const writer = new OrderedWriter(p.server, { stats, sendfile: useSendfile })
  const { entries, expected, regionBytes } = workload()
  const order: number[] = []
  entries.forEach((chunks, i) => writer.write(chunks, () => order.push(i)))
  writer.end()
  const got = await p.received
  await p.close()
  expect(got.length).toBe(expected.length)
  expect(got.equals(expected)).toBe(true)
  return { stats, regionBytes, order }
}

describe('OrderedWriter on real sockets', () => {
  it('sendfile path: buffers and regions arrive byte-exact and in order', async () => {
    const { stats, regionBytes, order } = await run(true)
    expect(stats.sendfileBytes).toBe(regionBytes)
    expect(stats.copiedBytes).toBe(0)
    expect(stats.sendfileCalls).toBeGreaterThan(0)
    expect(order).toEqual([...order].sort((a, b) => a - b))
    expect(order).toHaveLength(42)
  })

  it('recent runs up to 64 KiB go out on the event loop, larger ones on the sender thread', async () => {
    markRecent = true
    try {
      for (const slow of [undefined, 5]) {
        const { stats, regionBytes } = await run(true, slow)
        expect(stats.sendfileBytes).toBe(regionBytes)
        expect(stats.sendfileFailures).toBe(0)
        // The 40 small runs of workload(); the 3 MiB run is the thread's.
        const small = 20 * 777 + (19 * 20) / 2 + 20 * 10
        if (slow === undefined) expect(stats.sendfileInlineBytes).toBe(small)
        else expect(stats.sendfileInlineBytes).toBeLessThanOrEqual(small) // EAGAIN hands over
        expect(stats.sendfileInlineBytes).toBeGreaterThan(0)
      }
    } finally {
      markRecent = false
    }
  })

  it('sendfile path with a slow reader (socket full, EAGAIN waits)', async () => {
    const { stats, regionBytes } = await run(true, 5)
    expect(stats.sendfileBytes).toBe(regionBytes)
    expect(stats.sendfileFailures).toBe(0)
  })

  it('copy path: same bytes, all region bytes counted as copied', async () => {
    const { stats, regionBytes } = await run(false)
    expect(stats.copiedBytes).toBe(regionBytes)
    expect(stats.sendfileBytes).toBe(0)
    expect(stats.sendfileCalls).toBe(0)
  })

  it('a region past the end of its file destroys the connection and still calls onSent', async () => {
    const p = await pair()
    const stats = newWriterStats()
    let failure: Error | undefined
    const writer = new OrderedWriter(p.server, { stats, onFailure: (e) => (failure = e) })
    const sent: string[] = []
    writer.write([Buffer.from('ok')], () => sent.push('first'))
    writer.write([Buffer.from('x'), region(FILE_BYTES - 10, 100)], () => sent.push('short'))
    writer.write([Buffer.from('never')], () => sent.push('after'))
    await p.received
    await new Promise((r) => setTimeout(r, 20))
    expect(writer.destroyed).toBe(true)
    expect(failure).toBeDefined()
    expect(stats.sendfileFailures).toBe(1)
    expect(sent).toEqual(['first', 'short', 'after'])
    await p.close()
  })

  it('writes after destroy call onSent at once and send nothing', async () => {
    const p = await pair()
    const writer = new OrderedWriter(p.server, { stats: newWriterStats() })
    writer.destroy()
    let called = 0
    writer.write([Buffer.from('late'), region(0, 10)], () => called++)
    expect(called).toBe(1)
    const got = await p.received
    expect(got.length).toBe(0)
    await p.close()
  })
})
