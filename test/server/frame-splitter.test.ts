import { describe, expect, it } from 'vitest'
import { FrameError, FrameSplitter } from '../../src/server/frame-splitter.js'

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

function collect(max = 1 << 20): { splitter: FrameSplitter; frames: Buffer[] } {
  const frames: Buffer[] = []
  return { splitter: new FrameSplitter(max, (f) => frames.push(f)), frames }
}

describe('FrameSplitter', () => {
  it('hands out several frames from one chunk as views of that chunk (no copy)', () => {
    const bodies = [body(8, 1), body(100, 2), body(9, 3)]
    const chunk = Buffer.concat(bodies.map(frame))
    const { splitter, frames } = collect()
    splitter.push(chunk)
    expect(frames.map((f) => Buffer.from(f))).toEqual(bodies)
    for (const f of frames) expect(f.buffer).toBe(chunk.buffer)
    expect(splitter.pendingBytes).toBe(0)
  })

  it('assembles frames split at every possible byte boundary', () => {
    const bodies = [body(20, 4), body(8, 5), body(33, 6)]
    const stream = Buffer.concat(bodies.map(frame))
    for (let cut = 1; cut < stream.length; cut++) {
      const { splitter, frames } = collect()
      splitter.push(stream.subarray(0, cut))
      splitter.push(stream.subarray(cut))
      expect(frames.map((f) => Buffer.from(f))).toEqual(bodies)
    }
  })

  it('assembles a frame delivered one byte at a time (size prefix split too)', () => {
    const b = body(50, 7)
    const stream = frame(b)
    const { splitter, frames } = collect()
    for (let i = 0; i < stream.length; i++) {
      expect(frames).toHaveLength(0)
      splitter.push(stream.subarray(i, i + 1))
    }
    expect(frames).toHaveLength(1)
    expect(Buffer.from(frames[0] as Buffer)).toEqual(b)
  })

  it('rejects a frame above the maximum as soon as the size arrives', () => {
    const { splitter, frames } = collect(1000)
    const size = Buffer.alloc(4)
    size.writeInt32BE(1001)
    expect(() => splitter.push(size)).toThrow(FrameError)
    expect(frames).toHaveLength(0)
  })

  it('rejects a 2 GB declared size and negative sizes', () => {
    const { splitter } = collect()
    expect(() => splitter.push(Buffer.from([0x7f, 0xff, 0xff, 0xff]))).toThrow(
      /exceeds socket.request.max.bytes/,
    )
    const s2 = collect().splitter
    expect(() => s2.push(Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2]))).toThrow(/below the minimum/)
  })

  it('rejects frames shorter than a request header', () => {
    const { splitter } = collect()
    expect(() => splitter.push(frame(body(7, 0)))).toThrow(/below the minimum 8/)
  })

  it('keeps a partial frame buffered until the rest arrives', () => {
    const { splitter, frames } = collect()
    const stream = Buffer.concat([frame(body(10, 1)), frame(body(40, 2))])
    splitter.push(stream.subarray(0, 30))
    expect(frames).toHaveLength(1)
    // 14 bytes were the first frame, 4 the second frame's size prefix.
    expect(splitter.pendingBytes).toBe(30 - 14 - 4)
    splitter.push(stream.subarray(30))
    expect(frames).toHaveLength(2)
  })
})

describe('assembly buffer reuse', () => {
  it('reuses a recycled buffer for the next spanning frame, and only then', () => {
    const frames: Buffer[] = []
    const splitter = new FrameSplitter(1 << 24, (f) => frames.push(f))
    const frame = (fill: number): Buffer => {
      const body = Buffer.alloc(3000, fill)
      const out = Buffer.alloc(4 + body.length)
      out.writeInt32BE(body.length, 0)
      body.copy(out, 4)
      return out
    }
    const feedSplit = (f: Buffer): void => {
      splitter.push(f.subarray(0, 1000))
      splitter.push(f.subarray(1000))
    }
    feedSplit(frame(1))
    feedSplit(frame(2))
    // Without recycle, the second frame got its own buffer: the first is intact.
    expect(frames[0]!.buffer).not.toBe(frames[1]!.buffer)
    expect(frames[0]!.every((b) => b === 1)).toBe(true)
    splitter.recycle(frames[1]!)
    feedSplit(frame(3))
    expect(frames[2]!.buffer).toBe(frames[1]!.buffer)
    expect(frames[2]!.every((b) => b === 3)).toBe(true)
    // A subarray of a received chunk is never taken over.
    const whole = frame(4)
    splitter.push(whole)
    splitter.recycle(frames[3]!)
    feedSplit(frame(5))
    expect(frames[4]!.buffer).not.toBe(whole.buffer)
  })
})
