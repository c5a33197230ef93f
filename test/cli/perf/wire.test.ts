// The generator's connection: frames assembled in one reused buffer, whatever the read sizes,
// and the Produce response check that reads error codes in place.
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { FrameReader } from '../../../src/server/frame-reader.js'
import {
  describeProduceFailure,
  produceResponseError,
} from '../../../src/cli/perf/produce-response.js'
import { PipelinedSocket } from '../../../src/cli/perf/wire.js'
import { encodeResponse } from '../../../src/protocol/header.js'
import { ProduceResponseSchema } from '../../../src/protocol/messages/produce.js'
import type { ProduceResponse } from '../../../src/protocol/messages/produce.js'
import { Writer, concatChunks } from '../../../src/protocol/primitives/writer.js'

/** A size-prefixed frame whose payload is `size` bytes of a pattern seeded by `seed`. */
function frame(size: number, seed: number): Buffer {
  const f = Buffer.allocUnsafe(4 + size)
  f.writeInt32BE(size, 0)
  for (let i = 0; i < size; i++) f[4 + i] = (seed + i * 7) & 0xff
  return f
}

/** Feeds `stream` to a reader in reads of the given sizes (cycled), as the socket would. */
function feed(reader: FrameReader, stream: Buffer, sizes: number[]): void {
  let pos = 0
  let i = 0
  while (pos < stream.length) {
    const target = reader.readBuffer()
    const n = Math.min(sizes[i++ % sizes.length] as number, target.length, stream.length - pos)
    stream.copy(target, 0, pos, pos + n)
    pos += n
    reader.received(n)
  }
}

/** The reader as PipelinedSocket uses it: responses of any size, a bare correlation id at least. */
const responseReader = (onFrame: (f: Buffer) => void): FrameReader =>
  new FrameReader(1 << 30, onFrame, 64 << 10, 4)

describe('FrameReader reading responses', () => {
  const frames = [frame(10, 1), frame(4, 2), frame(300_000, 3), frame(5, 4), frame(70_000, 5)]
  const stream = Buffer.concat(frames)

  for (const sizes of [[stream.length], [1], [3, 5, 7], [65_536], [100_003, 17]]) {
    it(`cuts the same frames for reads of ${sizes.join('/')} bytes`, () => {
      const got: string[] = []
      const reader = responseReader((f) => got.push(f.toString('base64')))
      feed(reader, stream, sizes)
      expect(got).toEqual(frames.map((f) => f.subarray(4).toString('base64')))
      // Grown once to hold the largest frame, not once per frame.
      expect(reader.capacity).toBeGreaterThanOrEqual(300_004)
      expect(reader.capacity).toBeLessThanOrEqual(1 << 20)
    })
  }

  it('reuses its buffer: frames are views of the same memory', () => {
    const buffers = new Set<ArrayBufferLike>()
    const reader = responseReader((f) => buffers.add(f.buffer))
    for (let round = 0; round < 20; round++) feed(reader, frame(50_000, round), [20_000])
    expect(buffers.size).toBe(1)
  })

  it('throws on a negative size prefix after the frames before it', () => {
    let frames = 0
    const reader = responseReader(() => frames++)
    const bad = Buffer.concat([frame(8, 1), Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2])])
    expect(() => feed(reader, bad, [bad.length])).toThrow(/below the minimum/)
    expect(frames).toBe(1)
  })
})

describe('PipelinedSocket', () => {
  let server: net.Server | null = null
  afterEach(async () => {
    await new Promise<void>((resolve) =>
      server === null ? resolve() : server.close(() => resolve()),
    )
    server = null
  })

  it('matches multi-MB responses, written in odd pieces, to requests in order', async () => {
    const sizes = [3 << 20, 10, 1 << 20, 700_001]
    server = net.createServer((s) => {
      let n = 0
      s.on('data', () => {
        // Every request (a 4-byte frame) gets the next response, dribbled out in pieces.
        const f = frame(sizes[n] as number, n)
        n++
        for (let pos = 0; pos < f.length; pos += 99_991) s.write(f.subarray(pos, pos + 99_991))
      })
    })
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as net.AddressInfo).port
    const conn = await PipelinedSocket.connect('127.0.0.1', port, undefined, 64 << 10)
    const got: { len: number; ok: boolean }[] = []
    for (let i = 0; i < sizes.length; i++) {
      await new Promise<void>((resolve) =>
        conn.send(frame(0, 0), (f) => {
          const want = frame(sizes[i] as number, i).subarray(4)
          got.push({ len: f.length, ok: f.equals(want) })
          resolve()
        }),
      )
    }
    conn.close()
    expect(got).toEqual(sizes.map((len) => ({ len, ok: true })))
  })
})

describe('produceResponseError', () => {
  function produceResponse(version: number, codes: number[], tails = false): Buffer {
    const body: ProduceResponse = {
      responses: [
        {
          name: 'a-topic',
          partitionResponses: codes.map((errorCode, index) => ({
            index,
            errorCode,
            baseOffset: 42,
            logAppendTimeMs: -1,
            logStartOffset: 0,
            recordErrors:
              errorCode !== 0 || tails
                ? [{ batchIndex: 0, batchIndexErrorMessage: 'bad record' }]
                : [],
            errorMessage: errorCode !== 0 || tails ? 'it broke' : null,
          })),
        },
        {
          name: 'b',
          partitionResponses: [
            {
              index: 0,
              errorCode: 0,
              baseOffset: 1,
              logAppendTimeMs: -1,
              logStartOffset: 0,
              recordErrors: [],
              errorMessage: null,
            },
          ],
        },
      ],
      throttleTimeMs: 0,
    }
    const framed = concatChunks(
      encodeResponse(new Writer(), ProduceResponseSchema, version, 3, body),
    )
    return framed.subarray(4)
  }

  for (const version of [2, 5, 7, 8]) {
    it(`reads error codes in place (v${version})`, () => {
      expect(produceResponseError(produceResponse(version, [0, 0, 0]), version)).toBe(0)
      expect(produceResponseError(produceResponse(version, [0, 0, 19]), version)).toBe(19)
    })
  }

  it('skips v8 record errors and messages to reach later partitions', () => {
    // Every partition carries a record error and a message; a walk that misread them would not
    // land on partition 2's error code.
    expect(produceResponseError(produceResponse(8, [0, 0], true), 8)).toBe(0)
    const f = produceResponse(8, [0, 0, 6], true)
    expect(produceResponseError(f, 8)).toBe(6)
    expect(describeProduceFailure(f, 8)).toMatch(
      /a-topic-2 failed: NOT_LEADER_OR_FOLLOWER.*it broke/,
    )
  })

  it('rejects a truncated response', () => {
    const f = produceResponse(7, [0, 0])
    expect(() => produceResponseError(f.subarray(0, f.length - 40), 7)).toThrow()
  })
})
