import { readSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fetch, readPartitions } from '../../src/handlers/01-fetch.js'
import { buildRecordBatch } from '../../src/log/batch-builder.js'
import { DEFAULT_LOG_CONFIG } from '../../src/log/log-config.js'
import { LogManager } from '../../src/log/log-manager.js'
import type { PartitionLog } from '../../src/log/partition-log.js'
import type { FileRegion } from '../../src/native/index.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import { FetchResponseSchema } from '../../src/protocol/messages/fetch.js'
import type { FetchPartitionDataOut, FetchResponseOut } from '../../src/protocol/messages/fetch.js'
import { encodeMessage } from '../../src/protocol/schema/codec.js'
import { Writer } from '../../src/protocol/primitives/writer.js'
import { FetchPurgatory } from '../../src/server/fetch-purgatory.js'
import { fetchReq as req } from '../helpers/fetch-request.js'

let dir: string
let logs: LogManager
let purgatory: FetchPurgatory
let t0: PartitionLog
let t1: PartitionLog
const appended: Buffer[] = []

function batch(n: number, size = 10): Buffer {
  return buildRecordBatch({
    records: Array.from({ length: n }, (_, i) => ({
      key: Buffer.from(`k${i}`),
      value: Buffer.alloc(size, i),
    })),
  })
}

function append(log: PartitionLog, b: Buffer): void {
  log.append(b, { leaderEpoch: 0 })
  if (log === t0) appended.push(b)
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'samsa-fetch-'))
  logs = await LogManager.open({ logDirs: [dir], defaults: DEFAULT_LOG_CONFIG })
  purgatory = new FetchPurgatory(logs)
  t0 = logs.create('t', 0)
  t1 = logs.create('t', 1)
  appended.length = 0
})
afterEach(async () => {
  purgatory.close()
  await logs.close()
  await rm(dir, { recursive: true, force: true })
})

function partitions(res: FetchResponseOut): FetchPartitionDataOut[] {
  return res.responses.flatMap((r) => r.partitions)
}

function bytesOf(p: FetchPartitionDataOut): Buffer {
  const rec = p.records
  if (rec === null) return Buffer.alloc(0)
  if (Buffer.isBuffer(rec)) return rec
  const out = Buffer.alloc(rec.bytes)
  let at = 0
  for (const r of rec.regions as readonly FileRegion[])
    at += readSync(r.fd, out, at, r.length, r.position)
  return out
}

describe('Fetch handler', () => {
  it('returns whole batches from the requested offset with the partition offsets', () => {
    for (let i = 0; i < 3; i++) append(t0, batch(5))
    t0.deleteRecordsBefore(2)
    const pass = readPartitions(req([{ partition: 0, offset: 7 }]), logs)
    try {
      const [p] = partitions(pass.response)
      expect(p).toMatchObject({
        errorCode: 0,
        highWatermark: 15,
        lastStableOffset: 15,
        logStartOffset: 2,
        preferredReadReplica: -1,
        abortedTransactions: null,
      })
      // offset 7 is inside the second batch: it comes whole, then the third
      expect(bytesOf(p!).equals(Buffer.concat([appended[1]!, appended[2]!]))).toBe(true)
      expect(pass.bytes).toBe(appended[1]!.length + appended[2]!.length)
      expect(Buffer.isBuffer(p!.records)).toBe(false) // file regions, for sendfile
    } finally {
      pass.release()
    }
  })

  it('KIP-74: first partition with data gets one batch over the limits, later ones are capped', () => {
    append(t0, batch(2, 500))
    append(t0, batch(2, 500))
    append(t1, batch(2, 500))
    const size = appended[0]!.length
    const pass = readPartitions(
      req(
        [
          { partition: 0, offset: 0, max: 10 },
          { partition: 1, offset: 0 },
        ],
        { maxBytes: size + 20 },
      ),
      logs,
    )
    try {
      const [p0, p1] = partitions(pass.response)
      expect(bytesOf(p0!).equals(appended[0]!)).toBe(true)
      expect(bytesOf(p1!).length).toBe(0) // the response budget is used up
      expect(p1!.highWatermark).toBe(2)
      expect(pass.bytes).toBe(size)
    } finally {
      pass.release()
    }
    const roomy = readPartitions(
      req([
        { partition: 0, offset: 0, max: size + 1 },
        { partition: 1, offset: 0 },
      ]),
      logs,
    )
    expect(partitions(roomy.response).map((p) => bytesOf(p).length)).toEqual([size, size])
    roomy.release()
  })

  it('errors per partition: out of range, unknown, fenced epoch; data at the end is empty', () => {
    append(t0, batch(3))
    const r = req([
      { partition: 0, offset: 4 },
      { partition: 0, offset: 3 },
      { partition: 5, offset: 0 },
    ])
    r.topics[0]!.partitions.push({ ...r.topics[0]!.partitions[1]!, currentLeaderEpoch: 1 })
    const pass = readPartitions(r, logs)
    const ps = partitions(pass.response)
    expect(ps.map((p) => p.errorCode)).toEqual([
      ErrorCode.OFFSET_OUT_OF_RANGE,
      0,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_LEADER_EPOCH,
    ])
    expect(ps[0]).toMatchObject({ highWatermark: -1, logStartOffset: -1 })
    expect(ps[1]).toMatchObject({ highWatermark: 3 })
    expect(bytesOf(ps[1]!).length).toBe(0)
    expect(pass.anyError).toBe(true)
    pass.release()
  })

  it('long poll: waits for an append and then answers with it', async () => {
    const started = Date.now()
    const pending = fetch(req([{ partition: 0, offset: 0 }], { maxWaitMs: 5000, minBytes: 1 }), {
      logs,
      purgatory,
    })
    await new Promise((r) => setTimeout(r, 30))
    expect(purgatory.size).toBe(1)
    append(t0, batch(2))
    const pass = await pending
    expect(Date.now() - started).toBeLessThan(2000)
    expect(bytesOf(partitions(pass.response)[0]!).equals(appended[0]!)).toBe(true)
    pass.release()
  })

  it('long poll: keeps waiting until min_bytes, and times out with what it has', async () => {
    const one = batch(1)
    const pending = fetch(
      req([{ partition: 0, offset: 0 }], { maxWaitMs: 300, minBytes: one.length * 2 + 1 }),
      { logs, purgatory },
    )
    await new Promise((r) => setTimeout(r, 20))
    append(t0, one)
    await new Promise((r) => setTimeout(r, 20))
    expect(purgatory.size).toBe(1) // one batch is not enough yet
    append(t0, batch(1))
    const started = Date.now()
    const pass = await pending
    expect(Date.now() - started).toBeGreaterThan(100) // still short: waited for the timeout
    expect(pass.bytes).toBe(one.length * 2)
    pass.release()
  })

  it('long poll ends at once with an error or when min_bytes is already there', async () => {
    append(t0, batch(1))
    const started = Date.now()
    const err = await fetch(req([{ partition: 9, offset: 0 }], { maxWaitMs: 5000 }), {
      logs,
      purgatory,
    })
    const ready = await fetch(req([{ partition: 0, offset: 0 }], { maxWaitMs: 5000 }), {
      logs,
      purgatory,
    })
    expect(Date.now() - started).toBeLessThan(1000)
    expect(ready.bytes).toBeGreaterThan(0)
    err.release()
    ready.release()
  })

  it('the response encodes with file regions as separate chunks', () => {
    append(t0, batch(3, 1000))
    const pass = readPartitions(req([{ partition: 0, offset: 0 }]), logs)
    for (const v of [4, 7, 11, 12]) {
      const w = new Writer()
      encodeMessage(FetchResponseSchema, v, pass.response, w)
      const enc = w.finish()
      const regions = enc.chunks.filter((c) => !Buffer.isBuffer(c)) as FileRegion[]
      expect(regions.reduce((n, r) => n + r.length, 0)).toBe(appended[0]!.length)
    }
    pass.release()
  })
})
