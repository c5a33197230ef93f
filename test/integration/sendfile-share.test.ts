// A 64 MiB fetch over plain TCP must leave through sendfile: at least 99% of the response bytes
// are file regions handed to the native engine, not copied through JS. The broker runs in-process
// so the test can read its counters (services.stats) directly.
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startBroker } from '../../src/broker.js'
import type { Broker } from '../../src/broker.js'
import { loadBrokerConfig } from '../../src/config/broker-config.js'
import { buildRecordBatch } from '../../src/log/batch-builder.js'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import { encodeRequest, readResponseHeader } from '../../src/protocol/header.js'
import { FetchRequestSchema, FetchResponseSchema } from '../../src/protocol/messages/fetch.js'
import type { FetchRequest, FetchResponse } from '../../src/protocol/messages/fetch.js'
import { Reader } from '../../src/protocol/primitives/reader.js'
import { Writer, concatChunks } from '../../src/protocol/primitives/writer.js'
import { decodeMessage } from '../../src/protocol/schema/codec.js'

const TARGET = 64 * 1024 * 1024
const FETCH_VERSION = 11

let broker: Broker
let dataDir: string

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'samsa-sendfile-'))
  const { config } = loadBrokerConfig({
    env: {},
    overrides: [
      ['listeners', 'PLAINTEXT://127.0.0.1:0'],
      ['log.dirs', dataDir],
    ],
  })
  broker = await startBroker(config, { banner: () => {}, log: () => {} })
})

afterAll(async () => {
  await broker?.close()
  await rm(dataDir, { recursive: true, force: true })
})

/** Sends one request frame and resolves with the whole response frame (size prefix removed). */
function roundTrip(port: number, frame: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const parts: Buffer[] = []
    let have = 0
    let need = -1
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`fetch response incomplete after 30 s (${have} bytes)`))
    }, 30_000)
    socket.on('data', (d: Buffer) => {
      parts.push(d)
      have += d.length
      if (need < 0 && have >= 4) need = Buffer.concat(parts).readInt32BE(0) + 4
      if (need >= 0 && have >= need) {
        clearTimeout(timer)
        socket.end()
        resolve(Buffer.concat(parts, have).subarray(4, need))
      }
    })
    socket.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    socket.write(frame)
  })
}

it('a 64 MiB fetch sends at least 99% of its bytes with sendfile', async () => {
  await topicManagerFor(broker.services).create('big', 1, {})
  const log = broker.services.logs.get('big', 0)!
  const value = Buffer.alloc(64_000, 7)
  const batch = buildRecordBatch({
    records: Array.from({ length: 16 }, () => ({ key: null, value })),
  })
  let batches = 0
  while (log.sizeInBytes() < TARGET) {
    log.append(batch, { leaderEpoch: 0 })
    batches++
  }
  const logBytes = log.sizeInBytes()

  const request: FetchRequest = {
    clusterId: null,
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 2 * TARGET,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 'big',
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset: 0,
            lastFetchedEpoch: -1,
            logStartOffset: -1,
            partitionMaxBytes: 2 * TARGET,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  }
  const frame = concatChunks(
    encodeRequest(new Writer(), FetchRequestSchema, FETCH_VERSION, 1, 'sendfile-test', request),
  )
  const stats = broker.services.stats
  const before = {
    sendfile: stats.sendfileBytes,
    copied: stats.copiedBytes,
    buffers: stats.bufferBytes,
  }
  const body = await roundTrip(broker.listeners[0]!.port, frame)

  const reader = new Reader(body)
  expect(readResponseHeader(reader, 0)).toBe(1)
  const res = decodeMessage<FetchResponse>(FetchResponseSchema, FETCH_VERSION, reader)
  const p = res.responses[0]!.partitions[0]!
  expect(p.errorCode).toBe(0)
  expect(p.highWatermark).toBe(batches * 16)
  expect(p.records?.length).toBe(logBytes) // every batch, whole

  const sent = body.length + 4
  // The client can hold the last byte before the broker's JS sees the sendfile complete.
  const until = Date.now() + 5000
  while (
    stats.sendfileBytes + stats.bufferBytes - before.sendfile - before.buffers < sent &&
    Date.now() < until
  ) {
    await new Promise((r) => setTimeout(r, 10))
  }
  const viaSendfile = stats.sendfileBytes - before.sendfile
  expect(sent).toBeGreaterThan(TARGET)
  expect(stats.copiedBytes - before.copied).toBe(0)
  expect(viaSendfile / sent).toBeGreaterThanOrEqual(0.99)
  expect(viaSendfile + (stats.bufferBytes - before.buffers)).toBe(sent)
})
