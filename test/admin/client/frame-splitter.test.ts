import { describe, expect, it } from 'vitest'
import { FrameSplitter } from '../../../src/admin/client/frame-splitter.js'

function frame(body: string): Buffer {
  const b = Buffer.alloc(4 + body.length)
  b.writeInt32BE(body.length, 0)
  b.write(body, 4)
  return b
}

function collect(): { frames: string[]; errors: string[]; splitter: FrameSplitter } {
  const frames: string[] = []
  const errors: string[] = []
  const splitter = new FrameSplitter(
    (f) => frames.push(f.toString()),
    (e) => errors.push(e.message),
  )
  return { frames, errors, splitter }
}

describe('FrameSplitter', () => {
  it('hands out several frames from one read as views of it', () => {
    const chunk = Buffer.concat([frame('abc'), frame(''), frame('hello')])
    const seen: Buffer[] = []
    const s = new FrameSplitter(
      (f) => seen.push(f),
      () => {},
    )
    s.push(chunk)
    expect(seen.map((f) => f.toString())).toEqual(['abc', '', 'hello'])
    expect(seen[0]?.buffer).toBe(chunk.buffer)
  })

  it('joins frames and size prefixes that straddle reads, one byte at a time', () => {
    const { frames, splitter } = collect()
    const all = Buffer.concat([frame('first'), frame('second frame'), frame('x')])
    for (let i = 0; i < all.length; i++) splitter.push(all.subarray(i, i + 1))
    expect(frames).toEqual(['first', 'second frame', 'x'])
  })

  it('reports a negative size and ignores input after stop()', () => {
    const { frames, errors, splitter } = collect()
    const bad = Buffer.alloc(4)
    bad.writeInt32BE(-5, 0)
    splitter.push(Buffer.concat([frame('ok'), bad, frame('never')]))
    expect(frames).toEqual(['ok'])
    expect(errors).toEqual(['invalid frame size -5'])
    splitter.push(frame('after'))
    expect(frames).toEqual(['ok'])
  })
})
