import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fetch } from '../../src/handlers/01-fetch.js'
import { buildRecordBatch } from '../../src/log/batch-builder.js'
import { DEFAULT_LOG_CONFIG } from '../../src/log/log-config.js'
import { LogManager } from '../../src/log/log-manager.js'
import type { PartitionLog } from '../../src/log/partition-log.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import type { FetchRequest, FetchResponseOut } from '../../src/protocol/messages/fetch.js'
import { FetchPurgatory } from '../../src/server/fetch-purgatory.js'
import { EVICTION_MS, FetchSessionCache, nextEpoch } from '../../src/server/fetch-sessions.js'
import { fetchReq } from '../helpers/fetch-request.js'

let dir: string
let logs: LogManager
let purgatory: FetchPurgatory
let parts: PartitionLog[]

const batch = (n: number): Buffer =>
  buildRecordBatch({ records: Array.from({ length: n }, () => ({ value: Buffer.alloc(20, 1) })) })

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'samsa-fetch-sessions-'))
  logs = await LogManager.open({ logDirs: [dir], defaults: DEFAULT_LOG_CONFIG })
  purgatory = new FetchPurgatory(logs)
  parts = [0, 1, 2].map((p) => logs.create('t', p))
})
afterEach(async () => {
  purgatory.close()
  await logs.close()
  await rm(dir, { recursive: true, force: true })
})

type Offsets = Array<[partition: number, offset: number]>
/** Partitions 0 and 1 from offset 0. */
const P01: Offsets = [
  [0, 0],
  [1, 0],
]

function req(
  sessionId: number,
  sessionEpoch: number,
  offsets: Offsets,
  over: Partial<FetchRequest> = {},
): FetchRequest {
  const parts = offsets.map(([partition, offset]) => ({ partition, offset }))
  return fetchReq(parts, { sessionId, sessionEpoch, ...over })
}

/** One Fetch as the handler runs it: session context, read (with long poll), session response. */
async function round(cache: FetchSessionCache, request: FetchRequest): Promise<FetchResponseOut> {
  const ctx = cache.newContext(request)
  if (ctx.kind === 'error') return ctx.response
  const pass = await fetch(ctx.request, { logs, purgatory })
  pass.release()
  return cache.respond(ctx, pass.response)
}

/** partition -> [high watermark, record bytes] of a response. */
function answered(res: FetchResponseOut): Record<number, [number, number]> {
  const out: Record<number, [number, number]> = {}
  for (const t of res.responses)
    for (const p of t.partitions) {
      const r = p.records
      const bytes = r === null ? 0 : 'regions' in r ? r.bytes : r.length
      out[p.partitionIndex] = [p.highWatermark, bytes]
    }
  return out
}

describe('incremental fetch sessions (KIP-227)', () => {
  it('a full fetch opens a session; incremental fetches answer only what changed', async () => {
    const cache = new FetchSessionCache(10)
    parts[0]!.append(batch(2), { leaderEpoch: 0 })
    const full = await round(
      cache,
      req(0, 0, [
        [0, 0],
        [1, 0],
        [2, 0],
      ]),
    )
    expect(full.sessionId).toBeGreaterThan(0)
    expect(Object.keys(answered(full))).toEqual(['0', '1', '2'])
    const id = full.sessionId

    // The client moved partition 0 on; nothing new anywhere: an empty answer.
    const quiet = await round(cache, req(id, 1, [[0, 2]]))
    expect(quiet).toMatchObject({ errorCode: 0, sessionId: id, responses: [] })

    // Records on partition 2, which the request does not name: replayed from the session.
    parts[2]!.append(batch(3), { leaderEpoch: 0 })
    const inc = await round(cache, req(id, 2, []))
    expect(answered(inc)).toEqual({ 2: [3, expect.any(Number)] })
    expect(answered(inc)[2]![1]).toBeGreaterThan(0)

    // Partition 2's cached fetch offset is still 0 until the client says otherwise.
    const again = await round(cache, req(id, 3, []))
    expect(Object.keys(answered(again))).toEqual(['2'])
    const moved = await round(cache, req(id, 4, [[2, 3]]))
    expect(moved.responses).toEqual([])
    expect(cache.get(id)!.epoch).toBe(5)
  })

  it('answers a log start change and errors, and re-sends a partition after its error', async () => {
    const cache = new FetchSessionCache(10)
    for (let i = 0; i < 3; i++) parts[1]!.append(batch(2), { leaderEpoch: 0 })
    const full = await round(
      cache,
      req(0, 0, [
        [1, 6],
        [7, 0],
      ]),
    )
    const id = full.sessionId
    expect(answered(full)[7]).toEqual([-1, 0])
    parts[1]!.deleteRecordsBefore(2)
    const res = await round(cache, req(id, 1, []))
    const byPartition = Object.fromEntries(
      res.responses[0]!.partitions.map((p) => [p.partitionIndex, p]),
    )
    expect(byPartition[1]!.logStartOffset).toBe(2)
    expect(byPartition[7]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    // The error partition is answered every time (Kafka does the same).
    expect(Object.keys(answered(await round(cache, req(id, 2, []))))).toEqual(['7'])
  })

  it('a long poll in a session wakes on an append to a partition the request left out', async () => {
    const cache = new FetchSessionCache(10)
    const id = (await round(cache, req(0, 0, P01))).sessionId
    const started = Date.now()
    const pending = round(cache, req(id, 1, [], { maxWaitMs: 5000 }))
    await new Promise((r) => setTimeout(r, 30))
    parts[1]!.append(batch(1), { leaderEpoch: 0 })
    const res = await pending
    expect(Date.now() - started).toBeLessThan(2000)
    expect(Object.keys(answered(res))).toEqual(['1'])
  })

  it('refuses unknown sessions and stale epochs; epoch -1 closes, forgetting all ends it', async () => {
    const cache = new FetchSessionCache(10)
    expect(await round(cache, req(12345, 1, []))).toMatchObject({
      errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
      sessionId: 0,
      responses: [],
    })
    const id = (await round(cache, req(0, 0, P01))).sessionId
    expect(await round(cache, req(id, 7, []))).toMatchObject({
      errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH,
      sessionId: 0,
    })
    // Forgetting partition 0 leaves 1; forgetting 1 too ends the session (sessionless answer).
    await round(cache, req(id, 1, [], { forgottenTopicsData: [{ topic: 't', partitions: [0] }] }))
    expect(cache.totalPartitions).toBe(1)
    const last = await round(
      cache,
      req(id, 2, [[2, 0]], { forgottenTopicsData: [{ topic: 't', partitions: [1, 2] }] }),
    )
    expect(last.sessionId).toBe(0)
    expect(cache.size).toBe(0)

    const other = (await round(cache, req(0, 0, [[0, 0]]))).sessionId
    const closed = await round(cache, req(other, -1, [[0, 0]]))
    expect(closed.sessionId).toBe(0)
    expect(Object.keys(answered(closed))).toEqual(['0'])
    expect(cache.size).toBe(0)
  })

  it('a duplicate request that overtakes a long poll makes the older one fail its epoch', async () => {
    const cache = new FetchSessionCache(10)
    const id = (await round(cache, req(0, 0, [[0, 0]]))).sessionId
    const first = round(cache, req(id, 1, [], { maxWaitMs: 300 }))
    await new Promise((r) => setTimeout(r, 20))
    await round(cache, req(id, 2, []))
    expect((await first).errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH)
  })

  it('moves answered partitions to the back of the session (read order fairness)', async () => {
    const cache = new FetchSessionCache(10)
    const id = (
      await round(
        cache,
        req(0, 0, [
          [0, 0],
          [1, 0],
          [2, 0],
        ]),
      )
    ).sessionId
    parts[0]!.append(batch(1), { leaderEpoch: 0 })
    await round(cache, req(id, 1, []))
    const ctx = cache.newContext(req(id, 2, []))
    expect(ctx.kind).toBe('incremental')
    if (ctx.kind !== 'incremental') return
    expect(ctx.request.topics[0]!.partitions.map((p) => p.partition)).toEqual([1, 2, 0])
  })

  it('when full, evicts stale sessions, then smaller old ones; followers outrank consumers', async () => {
    let now = 1_000_000
    const cache = new FetchSessionCache(1, EVICTION_MS, () => now)
    const a = (await round(cache, req(0, 0, [[0, 0]]))).sessionId
    expect(a).toBeGreaterThan(0)
    // Same size, young: no room, no session.
    expect((await round(cache, req(0, 0, [[1, 0]]))).sessionId).toBe(0)
    // Larger, but A is younger than the eviction time: still no session.
    expect((await round(cache, req(0, 0, P01))).sessionId).toBe(0)
    // A follower's session may evict a consumer's at any age.
    const f = (await round(cache, req(0, 0, [[0, 0]], { replicaId: 2 }))).sessionId
    expect(f).toBeGreaterThan(0)
    expect(cache.get(a)).toBeUndefined()
    // Kept in use, then old: a consumer's larger session still cannot evict a follower's.
    now += EVICTION_MS / 2
    await round(cache, req(f, 1, [], { replicaId: 2 }))
    now += EVICTION_MS / 2 + 1
    expect((await round(cache, req(0, 0, P01))).sessionId).toBe(0)
    // Unused for longer than the eviction time: stale, evictable by anyone.
    now += EVICTION_MS
    expect((await round(cache, req(0, 0, [[2, 0]]))).sessionId).toBeGreaterThan(0)
    expect(cache.get(f)).toBeUndefined()
    expect(cache.evicted).toBe(2)
  })

  it('with no slots every fetch is sessionless; epochs wrap past int32 max to 1', async () => {
    const cache = new FetchSessionCache(0)
    expect((await round(cache, req(0, 0, [[0, 0]]))).sessionId).toBe(0)
    expect(nextEpoch(0x7fffffff)).toBe(1)
    expect(nextEpoch(0)).toBe(1)
  })
})
