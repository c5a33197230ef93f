// KafkaConnection's readInPlace mode (the follower's fetcher): responses larger than the read
// buffer decode correctly, records come back byte for byte, and a second request in flight is
// refused instead of overwriting the first response's bytes.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AdminClient } from '../../../src/admin/client/client.js'
import { KafkaConnection } from '../../../src/admin/client/connection.js'
import { startBroker } from '../../../src/broker.js'
import type { Broker } from '../../../src/broker.js'
import { loadBrokerConfig } from '../../../src/config/broker-config.js'
import { buildRecordBatch } from '../../../src/log/batch-builder.js'

let dir: string
let broker: Broker
let bootstrap: string
const sent: Buffer[] = []

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-inplace-'))
  const { config } = loadBrokerConfig({
    env: {},
    overrides: [
      ['listeners', 'PLAINTEXT://127.0.0.1:0'],
      ['log.dirs', dir],
    ],
  })
  broker = await startBroker(config, { banner: () => {}, log: () => {} })
  bootstrap = `127.0.0.1:${broker.listeners[0]?.port}`
  const admin = await AdminClient.connect(bootstrap)
  try {
    await admin.createTopics({
      topics: [
        { name: 'big', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      ],
    })
    // Three batches of ~400 KiB: one fetch response is several times the initial read buffer.
    for (let b = 0; b < 3; b++) {
      const records = []
      for (let i = 0; i < 100; i++)
        records.push({ key: null, value: Buffer.alloc(4000, 97 + ((b * 100 + i) % 26)) })
      const batch = buildRecordBatch({ records })
      await admin.produce('big', 0, batch, 1)
      sent.push(batch)
    }
  } finally {
    await admin.close()
  }
}, 30_000)

afterAll(async () => {
  await broker?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('KafkaConnection readInPlace', () => {
  it('decodes a fetch response larger than its read buffer, twice over the same buffer', async () => {
    const [host, port] = bootstrap.split(':')
    const conn = await KafkaConnection.connect(host as string, Number(port), { readInPlace: true })
    const admin = await AdminClient.connect(bootstrap)
    try {
      for (let round = 0; round < 2; round++) {
        const p = await admin.fetch(conn, 'big', 0, 0, { maxBytes: 4 << 20, maxWaitMs: 10 })
        expect(p.errorCode).toBe(0)
        const records = p.records as Buffer
        expect(records.length).toBe(sent.reduce((n, b) => n + b.length, 0))
        // Offsets were assigned by the broker; the record bytes after the header are ours.
        let pos = 0
        for (const b of sent) {
          const got = records.subarray(pos, pos + b.length)
          expect(got.subarray(61).equals(b.subarray(61))).toBe(true)
          pos += b.length
        }
      }
    } finally {
      conn.close()
      await admin.close()
    }
  })

  it('refuses a second request while one is in flight', async () => {
    const [host, port] = bootstrap.split(':')
    const conn = await KafkaConnection.connect(host as string, Number(port), { readInPlace: true })
    const admin = await AdminClient.connect(bootstrap)
    try {
      const first = admin.fetch(conn, 'big', 0, 0, { maxWaitMs: 10 })
      await expect(admin.fetch(conn, 'big', 0, 0, { maxWaitMs: 10 })).rejects.toThrow(
        /one request at a time/,
      )
      expect((await first).errorCode).toBe(0)
    } finally {
      conn.close()
      await admin.close()
    }
  })
})
