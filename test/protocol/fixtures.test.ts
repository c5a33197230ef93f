// Byte-exact frames assembled by hand from the protocol spec, checked in both directions.
import { describe, expect, it } from 'vitest'
import type { FileRegion } from '../../src/native/index.js'
import {
  encodeRequest,
  encodeResponse,
  parseRequestHeaderPrefix,
  readRequestHeader,
  readResponseHeader,
  requestHeaderVersion,
} from '../../src/protocol/header.js'
import {
  ApiVersionsRequestSchema,
  ApiVersionsResponseSchema,
} from '../../src/protocol/messages/api-versions.js'
import { FetchResponseSchema } from '../../src/protocol/messages/fetch.js'
import type { FetchResponseOut } from '../../src/protocol/messages/fetch.js'
import { ProduceRequestSchema } from '../../src/protocol/messages/produce.js'
import type { ProduceRequest } from '../../src/protocol/messages/produce.js'
import { Reader } from '../../src/protocol/primitives/reader.js'
import { Writer, concatChunks } from '../../src/protocol/primitives/writer.js'
import { decodeMessage, messageVersionIsFlexible } from '../../src/protocol/schema/codec.js'

const hex = (...parts: string[]): Buffer => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex')
const str = (s: string): string => Buffer.from(s).toString('hex')
const withSize = (body: Buffer): Buffer => {
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length)
  return Buffer.concat([size, body])
}
const flexible = (key: number, v: number): boolean =>
  key === 18 ? v >= 3 : key === 0 ? v >= 9 : key === 1 ? v >= 12 : false

describe('ApiVersions v3 request as librdkafka sends it', () => {
  const frame = withSize(
    hex(
      '0012 0003 00000001', // apiKey 18, version 3, correlation id 1
      '0007',
      str('rdkafka'), // client id: classic nullable string even in header v2
      '00', // header tagged fields
      '0b',
      str('librdkafka'), // compact string: length + 1
      '07',
      str('2.15.0'),
      '00', // body tagged fields
    ),
  )

  it('decodes', () => {
    const body = frame.subarray(4)
    const prefix = parseRequestHeaderPrefix(body)
    expect(prefix).toEqual({ apiKey: 18, apiVersion: 3, correlationId: 1 })
    const hv = requestHeaderVersion(prefix.apiKey, prefix.apiVersion, flexible)
    expect(hv).toBe(2)
    const r = new Reader(body)
    expect(readRequestHeader(r, hv)).toEqual({ ...prefix, clientId: 'rdkafka' })
    expect(decodeMessage(ApiVersionsRequestSchema, 3, r)).toEqual({
      clientSoftwareName: 'librdkafka',
      clientSoftwareVersion: '2.15.0',
    })
    expect(r.remaining).toBe(0)
  })

  it('encodes to the same bytes', () => {
    const out = encodeRequest(new Writer(), ApiVersionsRequestSchema, 3, 1, 'rdkafka', {
      clientSoftwareName: 'librdkafka',
      clientSoftwareVersion: '2.15.0',
    })
    expect(concatChunks(out).equals(frame)).toBe(true)
  })
})

describe('ApiVersions responses always use header v0', () => {
  const apiKeys = [
    { apiKey: 0, minVersion: 0, maxVersion: 9 },
    { apiKey: 18, minVersion: 0, maxVersion: 3 },
  ]

  it('v0 response', () => {
    const out = encodeResponse(new Writer(), ApiVersionsResponseSchema, 0, 0x01020304, {
      errorCode: 0,
      apiKeys,
    })
    const expected = withSize(
      hex('01020304', '0000', '00000002', '0000 0000 0009', '0012 0000 0003'),
    )
    expect(concatChunks(out).equals(expected)).toBe(true)
  })

  it('v3 response: flexible body, still no header tagged fields', () => {
    const out = encodeResponse(new Writer(), ApiVersionsResponseSchema, 3, 7, {
      errorCode: 35,
      apiKeys,
      throttleTimeMs: 0,
    })
    const expected = withSize(
      hex('00000007', '0023', '03', '0000 0000 0009 00', '0012 0000 0003 00', '00000000', '00'),
    )
    const got = concatChunks(out)
    expect(got.equals(expected)).toBe(true)
    const r = new Reader(got, 4)
    expect(readResponseHeader(r, 0)).toBe(7)
    // franz-go reads the error code from the first two body bytes.
    expect(got.readInt16BE(8)).toBe(35)
  })
})

describe('Produce v3 request', () => {
  const records = Buffer.from('0102030405060708090a', 'hex')
  const frame = withSize(
    hex(
      '0000 0003 0000002a',
      '0003',
      str('cli'),
      'ffff', // transactional id: null
      'ffff', // acks -1
      '00007530', // timeout 30000
      '00000001', // one topic
      '0004',
      str('test'),
      '00000001', // one partition
      '00000000', // index 0
      '0000000a',
      records.toString('hex'),
    ),
  )
  const value: ProduceRequest = {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: 'test', partitionData: [{ index: 0, records }] }],
  }

  it('encodes to the spec bytes', () => {
    const out = encodeRequest(new Writer(), ProduceRequestSchema, 3, 42, 'cli', value)
    expect(concatChunks(out).equals(frame)).toBe(true)
  })

  it('decodes, records as a subarray of the frame', () => {
    const r = new Reader(frame, 4)
    expect(readRequestHeader(r, 1)).toEqual({
      apiKey: 0,
      apiVersion: 3,
      correlationId: 42,
      clientId: 'cli',
    })
    const req = decodeMessage<ProduceRequest>(ProduceRequestSchema, 3, r)
    expect(req).toEqual(value)
    expect(req.topicData[0]!.partitionData[0]!.records!.buffer).toBe(frame.buffer)
    expect(r.remaining).toBe(0)
  })
})

describe('Fetch v4 response with a file region', () => {
  it('puts the region in its own chunk after the exact header bytes', () => {
    const region: FileRegion = { fd: 9, position: 4096, length: 1024 }
    const value: FetchResponseOut = {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 't',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 100,
              lastStableOffset: 100,
              logStartOffset: 0,
              abortedTransactions: null,
              preferredReadReplica: -1,
              records: { regions: [region], bytes: 1024 },
            },
          ],
        },
      ],
    }
    expect(messageVersionIsFlexible(FetchResponseSchema, 4)).toBe(false)
    const out = encodeResponse(new Writer(), FetchResponseSchema, 4, 5, value)
    const head = hex(
      '00000005', // correlation id (header v0)
      '00000000', // throttle
      '00000001',
      '0001',
      str('t'),
      '00000001',
      '00000000', // partition
      '0000', // error
      '0000000000000064', // high watermark 100
      '0000000000000064', // last stable offset 100
      'ffffffff', // aborted transactions: null
      '00000400', // records length 1024
    )
    expect(out.chunks.length).toBe(2)
    expect(out.chunks[1]).toBe(region)
    const first = out.chunks[0] as Buffer
    expect(first.readInt32BE(0)).toBe(head.length + 1024)
    expect(first.subarray(4).equals(head)).toBe(true)
    expect(out.length).toBe(4 + head.length + 1024)
  })
})
