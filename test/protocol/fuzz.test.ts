// Random mutations of valid encodings must decode or fail with ProtocolError, never anything
// else, and never hang (the loop below is bounded in time as well as iterations).
import { describe, expect, it } from 'vitest'
import {
  ApiVersionsRequestSchema,
  ApiVersionsResponseSchema,
} from '../../src/protocol/messages/api-versions.js'
import { FetchRequestSchema, FetchResponseSchema } from '../../src/protocol/messages/fetch.js'
import { ProduceRequestSchema, ProduceResponseSchema } from '../../src/protocol/messages/produce.js'
import { ProtocolError, Reader } from '../../src/protocol/primitives/reader.js'
import { decodeMessage } from '../../src/protocol/schema/codec.js'
import type { MessageSchema } from '../../src/protocol/schema/dsl.js'
import { encodeToBuffer } from './round-trip.js'

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]

function mutate(src: Buffer, rand: () => number): Buffer {
  const b = Buffer.from(src)
  const pick = (n: number): number => Math.floor(rand() * n)
  switch (pick(5)) {
    case 0: {
      const n = 1 + pick(4)
      for (let i = 0; i < n && b.length > 0; i++) b[pick(b.length)] = pick(256)
      return b
    }
    case 1:
      if (b.length > 0) b[pick(b.length)] = INTERESTING[pick(INTERESTING.length)]!
      return b
    case 2:
      return b.subarray(0, pick(b.length + 1))
    case 3: {
      const at = pick(b.length + 1)
      const junk = Buffer.from(Array.from({ length: 1 + pick(6) }, () => pick(256)))
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)])
    }
    default: {
      // Overwrite four bytes with a huge or negative int32 (lengths, counts).
      if (b.length >= 4)
        b.writeInt32BE(rand() < 0.5 ? 0x7fffffff : -2 - pick(100), pick(b.length - 3))
      return b
    }
  }
}

const samples: [MessageSchema, unknown][] = [
  [ApiVersionsRequestSchema, { clientSoftwareName: 'x', clientSoftwareVersion: '1.0' }],
  [
    ApiVersionsResponseSchema,
    {
      errorCode: 0,
      apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 9 }],
      supportedFeatures: [{ name: 'f', minVersion: 1, maxVersion: 2 }],
      finalizedFeaturesEpoch: 3,
    },
  ],
  [
    ProduceRequestSchema,
    {
      transactionalId: null,
      acks: 1,
      timeoutMs: 100,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.alloc(40, 7) }] }],
    },
  ],
  [
    ProduceResponseSchema,
    {
      responses: [
        {
          name: 't',
          partitionResponses: [
            { index: 0, baseOffset: 5, recordErrors: [{ batchIndex: 1 }], errorMessage: 'e' },
          ],
        },
      ],
    },
  ],
  [
    FetchRequestSchema,
    {
      clusterId: 'c',
      replicaId: -1,
      topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 9 }] }],
      forgottenTopicsData: [{ topic: 'u', partitions: [1] }],
      rackId: 'r',
    },
  ],
  [
    FetchResponseSchema,
    {
      responses: [
        {
          topic: 't',
          partitions: [
            {
              partitionIndex: 0,
              abortedTransactions: [{ producerId: 1, firstOffset: 2 }],
              divergingEpoch: { epoch: 1, endOffset: 2 },
              records: Buffer.alloc(30, 1),
            },
          ],
        },
      ],
    },
  ],
]

describe('decode fuzz', () => {
  it('mutated frames throw only ProtocolError', () => {
    const rand = rng(0x5a45a)
    const deadline = Date.now() + 20_000
    let decoded = 0
    let rejected = 0
    for (const [schema, sample] of samples) {
      for (let v = schema.validVersions.min; v <= schema.validVersions.max; v++) {
        const valid = encodeToBuffer(schema, v, sample)
        for (let i = 0; i < 300 && Date.now() < deadline; i++) {
          const input = mutate(valid, rand)
          try {
            decodeMessage(schema, v, new Reader(input))
            decoded++
          } catch (err) {
            if (!(err instanceof ProtocolError)) {
              throw new Error(
                `${schema.name} v${v} input ${input.toString('hex')} threw ${String(err)}`,
                { cause: err },
              )
            }
            rejected++
          }
        }
      }
    }
    expect(rejected).toBeGreaterThan(1000)
    expect(decoded).toBeGreaterThan(100)
  })
})
