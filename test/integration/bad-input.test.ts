// Bad input against a real broker process over raw sockets. Every case must end in a Kafka error
// code or a closed connection, and afterwards the broker must still answer ApiVersions on a new
// connection and still serve the data produced before the test started (read back with kcat).
import net from 'node:net'
import { crc32 } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildRecordBatch } from '../../src/log/batch-builder.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import { encodeRequest } from '../../src/protocol/header.js'
import {
  ApiVersionsRequestSchema,
  ApiVersionsResponseSchema,
} from '../../src/protocol/messages/api-versions.js'
import type { ApiVersionsResponse } from '../../src/protocol/messages/api-versions.js'
import {
  CreateTopicsRequestSchema,
  CreateTopicsResponseSchema,
} from '../../src/protocol/messages/create-topics.js'
import type { CreateTopicsResponse } from '../../src/protocol/messages/create-topics.js'
import {
  MetadataRequestSchema,
  MetadataResponseSchema,
} from '../../src/protocol/messages/metadata.js'
import type { MetadataResponse } from '../../src/protocol/messages/metadata.js'
import { ProduceRequestSchema, ProduceResponseSchema } from '../../src/protocol/messages/produce.js'
import { Reader } from '../../src/protocol/primitives/reader.js'
import { Writer, concatChunks } from '../../src/protocol/primitives/writer.js'
import { decodeMessage, messageVersionIsFlexible } from '../../src/protocol/schema/codec.js'
import type { MessageSchema } from '../../src/protocol/schema/dsl.js'
import { startBrokerProcess } from '../helpers/broker-process.js'
import type { BrokerProcess } from '../helpers/broker-process.js'
import { runKcat } from '../helpers/kcat.js'

const MESSAGE_MAX_BYTES = 8192
const KEEP_TOPIC = 'keep'
const KEEP_LINES = Array.from({ length: 20 }, (_, i) => `kept-${i}`)

let broker: BrokerProcess | undefined
let correlation = 0

/** One raw TCP connection: write bytes, read whole response frames, notice the close. */
class RawConnection {
  private buffered = Buffer.alloc(0)
  private waiters: Array<() => void> = []
  closed = false

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d])
      this.wake()
    })
    socket.on('close', () => {
      this.closed = true
      this.wake()
    })
    socket.on('error', () => undefined)
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(new RawConnection(s)))
      s.once('error', reject)
    })
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }

  private until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs)
      const check = (): void => {
        if (cond()) {
          clearTimeout(timer)
          resolve()
        } else this.waiters.push(check)
      }
      check()
    })
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  end(): void {
    this.socket.end()
  }

  destroy(): void {
    this.socket.destroy()
  }

  /** Resolves when the broker closes the connection. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await this.until(() => this.closed, timeoutMs, 'the broker to close the connection')
  }

  async readFrame(timeoutMs = 10_000): Promise<Buffer> {
    const complete = (): boolean =>
      this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)
    await this.until(() => complete() || this.closed, timeoutMs, 'a response frame')
    if (!complete()) throw new Error('connection closed before a response arrived')
    const size = this.buffered.readInt32BE(0)
    const frame = this.buffered.subarray(4, 4 + size)
    this.buffered = this.buffered.subarray(4 + size)
    return frame
  }

  /** Encodes with our codec, sends, and decodes the response body. */
  async call<Res>(
    request: MessageSchema,
    response: MessageSchema,
    version: number,
    body: unknown,
  ): Promise<Res> {
    const id = ++correlation
    const w = new Writer(256)
    this.write(concatChunks(encodeRequest(w, request, version, id, 'bad-input-test', body)))
    const frame = await this.readFrame()
    const r = new Reader(frame)
    expect(r.int32()).toBe(id)
    // ApiVersions always answers with header v0 (KIP-511).
    if (request.apiKey !== 18 && messageVersionIsFlexible(response, version)) r.taggedFields()
    return decodeMessage<Res>(response, version, r)
  }
}

function header(apiKey: number, apiVersion: number, id: number): Buffer {
  const clientId = Buffer.from('bad-input-test')
  const h = Buffer.alloc(10 + clientId.length)
  h.writeInt16BE(apiKey, 0)
  h.writeInt16BE(apiVersion, 2)
  h.writeInt32BE(id, 4)
  h.writeInt16BE(clientId.length, 8)
  clientId.copy(h, 10)
  return h
}

function frame(...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length, 0)
  return Buffer.concat([size, body])
}

async function kcat(args: string[]): Promise<string> {
  return (await runKcat(broker!.bootstrap, args)).stdout
}

async function produce(topic: string, records: Buffer, version = 7): Promise<number> {
  const c = await RawConnection.open(broker!.port)
  try {
    const res = await c.call<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(
      ProduceRequestSchema,
      ProduceResponseSchema,
      version,
      {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
      },
    )
    return res.responses[0]!.partitionResponses[0]!.errorCode
  } finally {
    c.destroy()
  }
}

async function createTopic(name: string): Promise<number> {
  const c = await RawConnection.open(broker!.port)
  try {
    const res = await c.call<CreateTopicsResponse>(
      CreateTopicsRequestSchema,
      CreateTopicsResponseSchema,
      4,
      {
        topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      },
    )
    return res.topics[0]!.errorCode
  } finally {
    c.destroy()
  }
}

/** A legacy (magic 0 or 1) message set of one message, with a correct CRC32. */
function legacyMessageSet(magic: 0 | 1, value: string): Buffer {
  const v = Buffer.from(value)
  const body = Buffer.alloc(1 + 1 + (magic === 1 ? 8 : 0) + 4 + 4 + v.length)
  let p = 0
  body.writeInt8(magic, p++)
  body.writeInt8(0, p++)
  if (magic === 1) {
    body.writeBigInt64BE(BigInt(Date.now()), p)
    p += 8
  }
  body.writeInt32BE(-1, p) // null key
  p += 4
  body.writeInt32BE(v.length, p)
  v.copy(body, p + 4)
  const head = Buffer.alloc(16)
  head.writeBigInt64BE(0n, 0)
  head.writeInt32BE(4 + body.length, 8)
  head.writeUInt32BE(crc32(body), 12)
  return Buffer.concat([head, body])
}

beforeAll(async () => {
  broker = await startBrokerProcess({ set: { 'message.max.bytes': String(MESSAGE_MAX_BYTES) } })
  expect(await createTopic(KEEP_TOPIC)).toBe(0)
  const batch = buildRecordBatch({ records: KEEP_LINES.map((l) => ({ value: Buffer.from(l) })) })
  expect(await produce(KEEP_TOPIC, batch)).toBe(0)
})

afterAll(async () => {
  await broker?.stop()
})

// After every case: the process lives, a fresh connection negotiates, the old data reads back.
afterEach(async () => {
  expect(broker!.proc.exitCode).toBeNull()
  const c = await RawConnection.open(broker!.port)
  try {
    const res = await c.call<ApiVersionsResponse>(
      ApiVersionsRequestSchema,
      ApiVersionsResponseSchema,
      0,
      {},
    )
    expect(res.errorCode).toBe(0)
    expect(res.apiKeys.some((k) => k.apiKey === 3)).toBe(true)
  } finally {
    c.destroy()
  }
  const out = await kcat([
    '-C',
    '-t',
    KEEP_TOPIC,
    '-p',
    '0',
    '-o',
    'beginning',
    '-e',
    '-f',
    '%s\\n',
  ])
  expect(out.split('\n').filter((l) => l !== '')).toEqual(KEEP_LINES)
})

describe('bad input', () => {
  it('garbage bytes (an HTTP request) close the connection', async () => {
    const c = await RawConnection.open(broker!.port)
    c.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
    await c.waitClosed()
  })

  it('a frame that declares 2 GB is refused without allocating it', async () => {
    const c = await RawConnection.open(broker!.port)
    c.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 1]))
    await c.waitClosed()
  })

  it('a negative frame length closes the connection', async () => {
    const c = await RawConnection.open(broker!.port)
    c.write(Buffer.from([0xff, 0xff, 0xff, 0xfb]))
    await c.waitClosed()
  })

  it('a truncated frame followed by a close is dropped', async () => {
    const c = await RawConnection.open(broker!.port)
    const whole = frame(header(3, 1, 1), Buffer.from([0, 0, 0, 0]))
    c.write(whole.subarray(0, whole.length - 3))
    c.end()
    await c.waitClosed()
  })

  it('an unknown API key closes the connection', async () => {
    const c = await RawConnection.open(broker!.port)
    c.write(frame(header(999, 0, 1)))
    await c.waitClosed()
  })

  it('an unsupported version closes the connection (ApiVersions answers UNSUPPORTED_VERSION)', async () => {
    const c = await RawConnection.open(broker!.port)
    c.write(frame(header(3, 42, 1), Buffer.from([0, 0, 0, 0])))
    await c.waitClosed()
    const a = await RawConnection.open(broker!.port)
    try {
      a.write(frame(header(18, 99, 5)))
      const body = await a.readFrame()
      expect(body.readInt32BE(0)).toBe(5)
      expect(body.readInt16BE(4)).toBe(ErrorCode.UNSUPPORTED_VERSION)
    } finally {
      a.destroy()
    }
  })

  it('negative lengths inside a request body close the connection', async () => {
    const c = await RawConnection.open(broker!.port)
    // Metadata v1 with a topics array of length -5 (only -1, null, is allowed).
    c.write(frame(header(3, 1, 1), Buffer.from([0xff, 0xff, 0xff, 0xfb])))
    await c.waitClosed()
    const d = await RawConnection.open(broker!.port)
    // Metadata v1 with one topic whose name has length -3.
    d.write(frame(header(3, 1, 2), Buffer.from([0, 0, 0, 1, 0xff, 0xfd])))
    await d.waitClosed()
  })

  it('a batch with a flipped CRC gets CORRUPT_MESSAGE and is not stored', async () => {
    await createTopic('crc')
    const batch = buildRecordBatch({ records: [{ value: Buffer.from('hello') }] })
    batch[17] = (batch[17] ?? 0) ^ 0xff
    expect(await produce('crc', batch)).toBe(ErrorCode.CORRUPT_MESSAGE)
    expect(await kcat(['-C', '-t', 'crc', '-p', '0', '-o', 'beginning', '-e'])).toBe('')
  })

  // Kafka's batch iterator refuses a size below the minimum overhead with CorruptRecordException.
  it('a batch with a negative length gets CORRUPT_MESSAGE', async () => {
    await createTopic('neglen')
    const batch = buildRecordBatch({ records: [{ value: Buffer.from('hello') }] })
    batch.writeInt32BE(-20, 8)
    expect(await produce('neglen', batch)).toBe(ErrorCode.CORRUPT_MESSAGE)
  })

  for (const magic of [0, 1] as const) {
    it(`a magic ${magic} message set is refused`, async () => {
      await createTopic(`magic${magic}`)
      const code = await produce(`magic${magic}`, legacyMessageSet(magic, 'old format'))
      // Produce v3+ only carries record batch v2 (Kafka: InvalidRecordException).
      expect(code).toBe(ErrorCode.INVALID_RECORD)
      expect(await kcat(['-C', '-t', `magic${magic}`, '-p', '0', '-o', 'beginning', '-e'])).toBe('')
    })
  }

  it('a batch over message.max.bytes gets MESSAGE_TOO_LARGE', async () => {
    await createTopic('big')
    const value = Buffer.alloc(MESSAGE_MAX_BYTES * 2, 0x61)
    const batch = buildRecordBatch({ records: [{ value }] })
    expect(await produce('big', batch)).toBe(ErrorCode.MESSAGE_TOO_LARGE)
  })

  it('invalid topic names get INVALID_TOPIC_EXCEPTION from CreateTopics and Metadata', async () => {
    const bad = ['bad name', '..', 'x'.repeat(250), 'slash/topic', '']
    for (const name of bad)
      expect(await createTopic(name), name).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    const c = await RawConnection.open(broker!.port)
    try {
      for (const version of [1, 4, 9]) {
        const res = await c.call<MetadataResponse>(
          MetadataRequestSchema,
          MetadataResponseSchema,
          version,
          {
            topics: bad.map((name) => ({ name })),
            allowAutoTopicCreation: true,
            includeClusterAuthorizedOperations: false,
            includeTopicAuthorizedOperations: false,
          },
        )
        expect(res.topics.map((t) => t.errorCode)).toEqual(
          bad.map(() => ErrorCode.INVALID_TOPIC_EXCEPTION),
        )
      }
    } finally {
      c.destroy()
    }
  })
})
