// sendfile() with inlineBytes: the first bytes go out on the calling thread (sendfileNow), the
// sender thread takes the rest; results, errors and bytesSent must read as one send.
import { afterAll, describe, expect, it } from 'vitest'
import { sendfile } from '../../src/native/index.js'
import { binding } from '../../src/native/binding.js'
import { collect, rejection, sleep, TestFiles, withPair } from './sendfile-helpers.js'

const files = new TestFiles()
afterAll(() => files.cleanup())

describe('sendfile with inlineBytes', () => {
  it('sends small regions entirely on the calling thread, in order, byte-exact', () =>
    withPair(false, async (p) => {
      const a = files.create('in-a.bin', 200_000)
      const b = files.create('in-b.bin', 50_000)
      const regions = [
        { fd: a.fd, position: 100, length: 150_000 },
        { fd: b.fd, position: 0, length: 0 },
        { fd: b.fd, position: 10, length: 40_000 },
      ]
      const expected = Buffer.concat([a.data.subarray(100, 150_100), b.data.subarray(10, 40_010)])
      const received = collect(p.client, expected.length)
      const send = sendfile(p.fd, regions, { inlineBytes: 1 << 20 })
      expect(send.sentNow).toBe(expected.length) // before any await: done synchronously
      expect(await send).toBe(expected.length)
      expect((await received).equals(expected)).toBe(true)
    }))

  it('stops at inlineBytes and hands the rest (mid-region) to the sender thread', () =>
    withPair(false, async (p) => {
      const f = files.create('in-split.bin', 3 << 20)
      const received = collect(p.client, f.data.length - 7)
      const send = sendfile(p.fd, [{ fd: f.fd, position: 7, length: f.data.length - 7 }], {
        inlineBytes: 300_001,
      })
      expect(send.sentNow).toBeGreaterThan(0)
      expect(send.sentNow).toBeLessThanOrEqual(300_001)
      expect(await send).toBe(f.data.length - 7)
      expect((await received).equals(f.data.subarray(7))).toBe(true)
    }))

  // A paused reader's socket buffers take a few MiB: the inline part stops at EAGAIN.
  it('stops when the socket is full; the sender thread waits for the reader, or for its reset', () =>
    withPair(true, async (p) => {
      const f = files.create('in-full.bin', 24 << 20)
      const send = sendfile(p.fd, [{ fd: f.fd, position: 0, length: f.data.length }], {
        inlineBytes: 64 << 20,
      })
      send.catch(() => {})
      expect(send.sentNow).toBeGreaterThan(0)
      expect(send.sentNow).toBeLessThan(f.data.length)
      let settled = false
      void send.then(() => (settled = true))
      await sleep(200)
      expect(settled).toBe(false)
      const received = collect(p.client, f.data.length)
      expect(await send).toBe(f.data.length)
      expect((await received).equals(f.data)).toBe(true)

      p.client.pause()
      const again = sendfile(p.fd, [{ fd: f.fd, position: 0, length: f.data.length }], {
        inlineBytes: 64 << 20,
      })
      again.catch(() => {})
      await sleep(100)
      p.client.resetAndDestroy()
      const err = await rejection(again)
      expect(['ECONNRESET', 'EPIPE']).toContain(err.code)
      expect(err.bytesSent).toBeGreaterThanOrEqual(again.sentNow)
      expect(err.bytesSent).toBeLessThan(f.data.length)
    }))

  it("counts inline bytes into an 'EOF' rejection's bytesSent", () =>
    withPair(false, async (p) => {
      const f = files.create('in-short.bin', 1000)
      const received = collect(p.client, 1000)
      const send = sendfile(p.fd, [{ fd: f.fd, position: 0, length: 5000 }], {
        inlineBytes: 1 << 20,
      })
      expect(send.sentNow).toBe(1000)
      const err = await rejection(send)
      expect(err).toMatchObject({ code: 'EOF', errno: 0, syscall: 'sendfile', bytesSent: 1000 })
      expect((await received).equals(f.data)).toBe(true)
    }))

  it('sendfileNow refuses a descriptor that is not a non-blocking socket', () => {
    const f = files.create('in-args.bin', 10)
    const region = [{ fd: f.fd, position: 0, length: 1 }]
    expect(() => binding.sendfileNow(f.fd, region, 10)).toThrow(
      expect.objectContaining({ code: 'EINVAL', syscall: 'fcntl' }) as Error,
    )
    expect(() => binding.sendfileNow(1_000_000, region, 10)).toThrow(
      expect.objectContaining({ code: 'EBADF', syscall: 'fcntl' }) as Error,
    )
  })
})

describe('sendfile with Buffers between the regions (one op per response)', () => {
  const mixed = (): {
    items: (Buffer | { fd: number; position: number; length: number })[]
    expected: Buffer
  } => {
    const f = files.create('mixed.bin', 2 << 20)
    const head = Buffer.from('header-bytes|')
    // Larger than a socket's buffers: the sender thread resumes inside it after EAGAIN.
    const middle = Buffer.alloc(20 << 20, 0x5a)
    const tail = Buffer.from('|tail')
    const items = [
      head,
      { fd: f.fd, position: 3, length: 1_000_000 },
      middle,
      { fd: f.fd, position: 1_500_000, length: 500_000 },
      Buffer.alloc(0),
      tail,
    ]
    const expected = Buffer.concat([
      head,
      f.data.subarray(3, 1_000_003),
      middle,
      f.data.subarray(1_500_000, 2_000_000),
      tail,
    ])
    return { items, expected }
  }

  for (const inlineBytes of [0, 1_000_007, 64 << 20]) {
    it(`arrive byte-exact and in order (inlineBytes ${inlineBytes})`, () =>
      withPair(false, async (p) => {
        const { items, expected } = mixed()
        const received = collect(p.client, expected.length)
        const send = sendfile(p.fd, items, { inlineBytes })
        expect(await send).toBe(expected.length)
        expect((await received).equals(expected)).toBe(true)
      }))
  }

  it('empty items after the last Buffer do not leave it corked (MSG_MORE) on the calling thread', () =>
    withPair(false, async (p) => {
      const f = files.create('mixed-tail.bin', 4096)
      const tail = Buffer.from('|tail')
      const items = [
        Buffer.from('head|'),
        { fd: f.fd, position: 0, length: 100 },
        tail,
        Buffer.alloc(0),
        { fd: f.fd, position: 0, length: 0 },
      ]
      const expected = Buffer.concat([Buffer.from('head|'), f.data.subarray(0, 100), tail])
      const received = collect(p.client, expected.length)
      const send = sendfile(p.fd, items, { inlineBytes: 1 << 20 })
      expect(send.sentNow).toBe(expected.length)
      // Corked bytes leave only when the kernel gives up waiting for more (~200 ms here).
      const late = sleep(100).then(() => 'still corked')
      expect(await Promise.race([received.then((b) => b.equals(expected)), late])).toBe(true)
    }))

  it('a paused reader: the op waits inside a Buffer, then finishes byte-exact', () =>
    withPair(true, async (p) => {
      const { items, expected } = mixed()
      const send = sendfile(p.fd, items, { inlineBytes: 64 << 20 })
      send.catch(() => {})
      expect(send.sentNow).toBeLessThan(expected.length)
      await sleep(100)
      const received = collect(p.client, expected.length)
      expect(await send).toBe(expected.length)
      expect((await received).equals(expected)).toBe(true)
    }))
})
