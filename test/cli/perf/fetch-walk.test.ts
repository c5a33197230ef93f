// The consumer's in-place Fetch response walk and batch scan, on responses encoded here with the
// schema codec (an independent encoder): counts, bytes, several partitions, a batch cut off at
// the end of a response, error codes.
import { describe, expect, it } from 'vitest'
import { BatchScanner, findFirstValue } from '../../../src/cli/perf/batch-scan.js'
import { walkFetchResponse } from '../../../src/cli/perf/fetch-response.js'
import { Histogram } from '../../../src/cli/perf/histogram.js'
import { buildRecordBatch } from '../../../src/log/batch-builder.js'
import { encodeResponse } from '../../../src/protocol/header.js'
import { FetchResponseSchema } from '../../../src/protocol/messages/fetch.js'
import type {
  FetchPartitionDataOut,
  FetchResponseOut,
} from '../../../src/protocol/messages/fetch.js'
import { Writer, concatChunks } from '../../../src/protocol/primitives/writer.js'

const SENT_AT = 1_700_000_000_000_000

/** `count` records of `size`-byte values whose first 8 bytes hold SENT_AT (as perf stamps). */
function batch(baseOffset: number, count: number, size: number, key?: Buffer): Buffer {
  const value = Buffer.alloc(size, 0x61)
  if (size >= 8) value.writeDoubleBE(SENT_AT, 0)
  return buildRecordBatch({
    baseOffset,
    records: Array.from({ length: count }, () => ({ key: key ?? null, value })),
  })
}

function partition(
  index: number,
  records: Buffer | null,
  errorCode = 0,
  aborted: { producerId: number; firstOffset: number }[] | null = null,
): FetchPartitionDataOut {
  return {
    partitionIndex: index,
    errorCode,
    highWatermark: 1000,
    lastStableOffset: 1000,
    logStartOffset: 0,
    abortedTransactions: aborted,
    preferredReadReplica: -1,
    records,
  }
}

/** The response frame as the consumer's frame reader hands it out (after the size prefix). */
function encode(version: number, body: FetchResponseOut): Buffer {
  const framed = concatChunks(encodeResponse(new Writer(), FetchResponseSchema, version, 9, body))
  return framed.subarray(4)
}

function response(partitions: FetchPartitionDataOut[], errorCode = 0): FetchResponseOut {
  return {
    throttleTimeMs: 0,
    errorCode,
    sessionId: 77,
    responses: [{ topic: 'perf-topic', partitions }],
  }
}

describe('walkFetchResponse', () => {
  for (const version of [4, 11, 12]) {
    it(`finds every partition's records region (v${version})`, () => {
      const r0 = Buffer.concat([batch(0, 3, 100), batch(3, 2, 100)])
      const r2 = batch(40, 7, 16)
      const frame = encode(
        version,
        response([
          partition(0, r0, 0, [{ producerId: 5, firstOffset: 1 }]),
          partition(1, null),
          partition(2, r2),
          partition(3, Buffer.alloc(0)),
        ]),
      )
      const seen: [number, number, string][] = []
      const top = walkFetchResponse(frame, version, (p, err, buf, start, end) => {
        // The region must be a view of the frame, not a copy.
        expect(buf).toBe(frame)
        seen.push([p, err, buf.subarray(start, end).toString('hex')])
      })
      expect(top).toEqual({ errorCode: 0, sessionId: version >= 7 ? 77 : 0 })
      expect(seen).toEqual([
        [0, 0, r0.toString('hex')],
        [1, 0, ''],
        [2, 0, r2.toString('hex')],
        [3, 0, ''],
      ])
    })
  }

  it('surfaces partition and top-level error codes', () => {
    const codes: number[] = []
    const frame = encode(11, response([partition(0, null, 0), partition(1, null, 6)]))
    walkFetchResponse(frame, 11, (_p, err) => codes.push(err))
    expect(codes).toEqual([0, 6])
    const failed = encode(11, { ...response([]), errorCode: 71 })
    expect(walkFetchResponse(failed, 11, () => {}).errorCode).toBe(71)
  })

  it('rejects a truncated frame', () => {
    const frame = encode(11, response([partition(0, batch(0, 2, 50))]))
    expect(() => walkFetchResponse(frame.subarray(0, frame.length - 10), 11, () => {})).toThrow(
      /truncated/,
    )
  })
})

describe('BatchScanner', () => {
  it('counts records, value and batch bytes and end-to-end latency per batch', () => {
    const h = new Histogram()
    const s = new BatchScanner(h)
    const b1 = batch(10, 4, 200)
    const b2 = batch(14, 6, 200)
    const region = Buffer.concat([b1, b2])
    const next = s.scan(region, 0, region.length, 10, SENT_AT + 1500)
    expect(next).toBe(20)
    expect(s.records).toBe(10)
    expect(s.valueBytes).toBe(2000)
    expect(s.batchBytes).toBe(region.length)
    expect(h.count).toBe(10)
    expect(h.min).toBe(1500)
    expect(h.max).toBe(1500)
  })

  it('leaves a batch cut off at the end of the region for the next fetch', () => {
    const s = new BatchScanner(new Histogram())
    const whole = batch(0, 5, 100)
    const cut = batch(5, 5, 100)
    for (const keep of [10, 61, cut.length - 1]) {
      const region = Buffer.concat([whole, cut.subarray(0, keep)])
      const before = s.records
      expect(s.scan(region, 0, region.length, 0, SENT_AT)).toBe(5)
      expect(s.records - before).toBe(5)
    }
    // Fetched again from offset 5, the batch is complete.
    expect(s.scan(cut, 0, cut.length, 5, SENT_AT)).toBe(10)
    expect(s.records).toBe(20)
  })

  it('skips batches before the fetch offset and scans inside a larger frame', () => {
    const s = new BatchScanner(new Histogram())
    const region = Buffer.concat([batch(0, 3, 30), batch(3, 3, 30)])
    const frame = Buffer.concat([Buffer.alloc(17, 0xee), region, Buffer.alloc(9, 0xee)])
    expect(s.scan(frame, 17, 17 + region.length, 3, SENT_AT)).toBe(6)
    expect(s.records).toBe(3)
    expect(s.valueBytes).toBe(90)
  })

  it('counts unstamped values without latency samples', () => {
    const h = new Histogram()
    const s = new BatchScanner(h)
    const b = batch(0, 8, 4)
    expect(s.scan(b, 0, b.length, 0, SENT_AT)).toBe(8)
    expect(s.records).toBe(8)
    expect(s.valueBytes).toBe(32)
    expect(h.count).toBe(0)
  })

  it('walks a whole response end to end, partition by partition', () => {
    const h = new Histogram()
    const s = new BatchScanner(h)
    const offsets = [0, 100]
    const frame = encode(
      11,
      response([
        partition(0, Buffer.concat([batch(0, 5, 64), batch(5, 5, 64).subarray(0, 80)])),
        partition(1, Buffer.concat([batch(100, 2, 64), batch(102, 3, 64)])),
      ]),
    )
    walkFetchResponse(frame, 11, (p, err, buf, start, end) => {
      expect(err).toBe(0)
      offsets[p] = s.scan(buf, start, end, offsets[p] as number, SENT_AT + 10)
    })
    expect(offsets).toEqual([5, 105])
    expect(s.records).toBe(10)
    expect(s.valueBytes).toBe(640)
    expect(h.count).toBe(10)
  })
})

describe('findFirstValue', () => {
  it('steps over a key to the value', () => {
    const b = batch(0, 2, 33, Buffer.from('some-key'))
    const span = { offset: -1, length: -1 }
    expect(findFirstValue(b, 0, b.length, span)).toBe(true)
    expect(span.length).toBe(33)
    expect(b.readDoubleBE(span.offset)).toBe(SENT_AT)
    expect(findFirstValue(b, 0, 70, span)).toBe(false) // ends inside the first record
  })
})
