// Mutation fuzzer: valid request frames for every served API and version, mutated at random,
// pushed through the real dispatcher (header parse, version check, decode, handler, encode) of
// an in-process broker with real storage. Every frame must end in a response, no response, or
// a CloseConnection; anything else (a TypeError in a handler, an encode failure) is a bug, and
// nothing may stay pending once the broker closes. The PRNG is seeded so a failure reproduces.
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startBroker } from '../../src/broker.js'
import type { Broker } from '../../src/broker.js'
import { loadBrokerConfig } from '../../src/config/broker-config.js'
import { buildRecordBatch } from '../../src/log/batch-builder.js'
import { encodeRequest } from '../../src/protocol/header.js'
import { Writer, concatChunks } from '../../src/protocol/primitives/writer.js'
import { CloseConnection } from '../../src/server/connection.js'
import type { Response } from '../../src/server/connection.js'
import { Dispatcher } from '../../src/server/dispatcher.js'
import type { AnyHandler } from '../../src/server/handler.js'
import { handlers } from '../../src/server/registry.js'

const FRAMES = Number(process.env.SAMSA_FUZZ_FRAMES ?? 100_000)
const SEED = Number(process.env.SAMSA_FUZZ_SEED ?? 0x5a45a)
const TOPIC = 'fuzz'

let broker: Broker
let dataDir: string

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'samsa-fuzz-'))
  const { config } = loadBrokerConfig({
    env: {},
    overrides: [
      ['listeners', 'PLAINTEXT://127.0.0.1:0'],
      ['log.dirs', dataDir],
      ['num.partitions', '2'],
      // Small segments so the fuzzed appends also roll segments and exercise indexes.
      ['log.segment.bytes', String(256 * 1024)],
    ],
  })
  broker = await startBroker(config, { banner: () => {}, log: () => {}, shutdownTimeoutMs: 2000 })
})

afterAll(async () => {
  await broker?.close()
  await rm(dataDir, { recursive: true, force: true })
})

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Request bodies that reach past the empty defaults into the handlers' real work. */
function richBody(apiKey: number): Record<string, unknown> {
  const batch = buildRecordBatch({
    records: [
      { key: Buffer.from('k1'), value: Buffer.from('v1') },
      { key: null, value: Buffer.alloc(300, 7) },
    ],
  })
  const topicNames = [{ name: TOPIC }]
  switch (apiKey) {
    case 0:
      return {
        acks: 1,
        timeoutMs: 1000,
        transactionalId: null,
        topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch }] }],
      }
    case 1:
      return {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [
          {
            topic: TOPIC,
            partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 65536 }],
          },
        ],
      }
    case 2:
      return {
        replicaId: -1,
        topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, timestamp: -1 }] }],
      }
    case 3:
      return { topics: topicNames, allowAutoTopicCreation: true }
    case 19:
      return {
        topics: [
          {
            name: 'fuzz-created',
            numPartitions: 1,
            replicationFactor: 1,
            configs: [{ name: 'retention.ms', value: '1000' }],
          },
        ],
        timeoutMs: 1000,
        validateOnly: true,
      }
    case 21:
      return { topics: [{ name: TOPIC, partitions: [{ partitionIndex: 1, offset: 0 }] }] }
    case 32:
      return { resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: null }] }
    case 37:
      return { topics: [{ name: TOPIC, count: 3, assignments: null }], validateOnly: true }
    default:
      return {}
  }
}

function sampleFrames(list: readonly AnyHandler[]): Buffer[] {
  const frames: Buffer[] = []
  const writer = new Writer()
  for (const h of list) {
    for (let v = h.minVersion; v <= h.maxVersion; v++) {
      for (const body of [{}, richBody(h.apiKey)]) {
        try {
          const enc = encodeRequest(writer, h.request, v, 1000 + v, 'fuzzer', body)
          frames.push(concatChunks(enc).subarray(4))
        } catch {
          writer.finish() // a rich body may not fit an old version; the empty one always does
        }
      }
    }
  }
  return frames
}

function mutate(src: Buffer, rnd: () => number): Buffer {
  const pick = (n: number): number => Math.floor(rnd() * n)
  let out = Buffer.from(src)
  const rounds = 1 + pick(4)
  for (let r = 0; r < rounds; r++) {
    const at = 8 + pick(Math.max(1, out.length - 8))
    switch (pick(7)) {
      case 0:
        if (at < out.length) out[at]! ^= 1 << pick(8)
        break
      case 1:
        if (at < out.length) out[at] = pick(256)
        break
      case 2:
        out = out.subarray(0, Math.max(8, at))
        break
      case 3: {
        const extra = Buffer.alloc(1 + pick(16))
        for (let i = 0; i < extra.length; i++) extra[i] = pick(256)
        out = Buffer.concat([out.subarray(0, at), extra, out.subarray(at)])
        break
      }
      case 4: {
        const extremes = [0x7fffffff, -0x80000000, -1, 0, 0x10000, 0x7fff]
        if (at + 4 <= out.length) out.writeInt32BE(extremes[pick(extremes.length)]!, at)
        break
      }
      case 5:
        out.writeInt16BE(pick(24) - 2, 2) // api version, in and out of range
        break
      default:
        out.writeInt16BE(pick(80) - 2, 0) // api key, known and unknown
    }
  }
  return out
}

it(`survives ${FRAMES} mutated frames through decode and dispatch`, async () => {
  const dispatcher = new Dispatcher(handlers, broker.services)
  const samples = sampleFrames(handlers)
  expect(samples.length).toBeGreaterThan(100)
  const rnd = mulberry32(SEED)
  const conn = { id: 1, remoteAddress: '127.0.0.1:fuzz', listenerName: 'PLAINTEXT' }
  const unexpected: string[] = []
  const pending = new Set<Promise<unknown>>()
  let responses = 0
  let closes = 0

  const settle = (res: Response | null): void => {
    if (res !== null) {
      responses++
      res.onSent?.()
    }
  }
  const fail = (frame: Buffer) => (err: unknown) => {
    if (err instanceof CloseConnection) {
      closes++
      return
    }
    if (unexpected.length < 10) {
      const e = err instanceof Error ? (err.stack ?? err.message) : String(err)
      unexpected.push(`key ${frame.readInt16BE(0)} v${frame.readInt16BE(2)}: ${e}`)
    }
  }

  // The unmutated samples must all be served: they are the ground truth the mutations start from.
  for (const frame of samples) {
    try {
      const out = dispatcher.dispatch(frame, conn)
      if (out instanceof Promise) settle(await out)
      else settle(out)
    } catch (err) {
      fail(frame)(err)
    }
  }
  expect(unexpected).toEqual([])
  expect(closes).toBe(0)

  for (let i = 0; i < FRAMES; i++) {
    const frame = mutate(samples[Math.floor(rnd() * samples.length)]!, rnd)
    try {
      const out = dispatcher.dispatch(frame, conn)
      if (out instanceof Promise) {
        const p: Promise<unknown> = out.then(settle, fail(frame)).finally(() => pending.delete(p))
        pending.add(p)
        // Bound memory and let long polls time out instead of piling up.
        if (pending.size > 256) await Promise.race(pending)
      } else settle(out)
    } catch (err) {
      fail(frame)(err)
    }
    if (i % 2000 === 0) await new Promise((r) => setImmediate(r))
  }
  expect(unexpected).toEqual([])
  expect(responses + closes).toBeGreaterThan(FRAMES / 2)

  // A fuzzed fetch may long-poll for up to its max_wait; closing the broker must end them all.
  const closing = broker.close()
  const leftover = await Promise.race([
    Promise.allSettled([...pending]).then(() => 0),
    new Promise<number>((r) => setTimeout(() => r(pending.size), 15_000)),
  ])
  await closing
  expect(leftover).toBe(0)
}, 300_000)
