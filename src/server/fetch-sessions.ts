// Incremental fetch sessions (KIP-227). A fetcher that opens a session sends, after its first full
// fetch, only the partitions whose fetch position changed; the broker replays the rest from the
// session and answers with only the partitions that have records, a new high watermark or log
// start, or an error. A consumer of 100 quiet partitions then costs a few partitions per fetch
// instead of 100 parsed, read and encoded ones.
//
// Request metadata (session_id, session_epoch), as Kafka reads it:
//   epoch -1: full fetch, no session (a session_id given is closed first);
//   epoch  0: full fetch that asks for a new session (a session_id given is closed first);
//   epoch >0: incremental fetch in session_id, whose expected epoch it must carry.
// The cache holds max.incremental.fetch.session.cache.slots sessions. When it is full, a new one
// may evict a session unused for EVICTION_MS, else the first of the evictable sessions (ordered by
// privileged, then size) when the newcomer ranks above it: followers outrank consumers, larger
// sessions outrank smaller ones, and a session younger than EVICTION_MS is only evictable by a
// follower's. Otherwise no session is created (session id 0) and the fetcher stays on full fetches.

import { randomInt } from 'node:crypto'
import { ErrorCode } from '../protocol/errors.js'
import { recordsBytes } from '../protocol/schema/dsl.js'
import { partitionKey } from '../log/checkpoint.js'
import type {
  FetchPartition,
  FetchPartitionDataOut,
  FetchRequest,
  FetchResponseOut,
} from '../protocol/messages/fetch.js'

const FINAL_EPOCH = -1
const INITIAL_EPOCH = 0
/** Kafka's minimum idle time before any session may be evicted. */
export const EVICTION_MS = 120_000

/** One partition of a session: what the fetcher asked for and what it was last told. */
export interface CachedPartition {
  readonly key: string
  readonly topic: string
  /** The fetcher's latest request fields for this partition, replayed in every fetch. */
  req: FetchPartition
  highWatermark: number
  logStartOffset: number
}

export class FetchSession {
  /** Insertion-ordered: the read order; partitions that answer move to the back (fairness). */
  readonly partitions = new Map<string, CachedPartition>()
  constructor(
    readonly id: number,
    readonly privileged: boolean,
    readonly createdMs: number,
    public lastUsedMs: number,
    /** The epoch the next incremental fetch must carry. */
    public epoch: number,
  ) {}
}

/** What one Fetch request does with sessions; `request` is what the broker reads. */
export type FetchContext =
  | { kind: 'error'; response: FetchResponseOut }
  | { kind: 'sessionless'; request: FetchRequest }
  | { kind: 'full'; request: FetchRequest }
  | {
      kind: 'incremental'
      request: FetchRequest
      session: FetchSession
      /** The session's epoch once this request is accepted: a change means a duplicate. */
      epoch: number
      /** The cached partitions in the order of request.topics[t].partitions[i]. */
      cached: CachedPartition[][]
    }

export function nextEpoch(epoch: number): number {
  if (epoch < 0) return FINAL_EPOCH
  return epoch === 0x7fffffff ? 1 : epoch + 1
}

function sessionErrorResponse(code: number, sessionId: number): FetchResponseOut {
  return { throttleTimeMs: 0, errorCode: code, sessionId, responses: [] }
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>()
  private evictions = 0

  constructor(
    private readonly maxEntries: number,
    private readonly evictionMs = EVICTION_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.sessions.size
  }

  get evicted(): number {
    return this.evictions
  }

  /** Partitions cached over all sessions. */
  get totalPartitions(): number {
    let n = 0
    for (const s of this.sessions.values()) n += s.partitions.size
    return n
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id)
  }

  newContext(request: FetchRequest): FetchContext {
    const { sessionId, sessionEpoch } = request
    if (sessionEpoch === FINAL_EPOCH || sessionEpoch === INITIAL_EPOCH) {
      if (sessionId !== 0) this.sessions.delete(sessionId)
      if (sessionEpoch === FINAL_EPOCH || this.maxEntries <= 0)
        return { kind: 'sessionless', request }
      return { kind: 'full', request }
    }
    const session = this.sessions.get(sessionId)
    if (session === undefined)
      return {
        kind: 'error',
        response: sessionErrorResponse(ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 0),
      }
    if (session.epoch !== sessionEpoch)
      return {
        kind: 'error',
        response: sessionErrorResponse(ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0),
      }
    for (const t of request.topics)
      for (const p of t.partitions) {
        const key = partitionKey(t.topic, p.partition)
        const c = session.partitions.get(key)
        if (c === undefined)
          session.partitions.set(key, {
            key,
            topic: t.topic,
            req: p,
            highWatermark: -1,
            logStartOffset: -1,
          })
        else c.req = p
      }
    for (const f of request.forgottenTopicsData)
      for (const partition of f.partitions)
        session.partitions.delete(partitionKey(f.topic, partition))
    if (session.partitions.size === 0) {
      this.sessions.delete(session.id)
      return { kind: 'sessionless', request }
    }
    session.lastUsedMs = this.now()
    session.epoch = nextEpoch(session.epoch)
    // Every partition of the session is read, grouped by topic in session order.
    const byTopic = new Map<string, CachedPartition[]>()
    for (const c of session.partitions.values()) {
      const list = byTopic.get(c.topic)
      if (list === undefined) byTopic.set(c.topic, [c])
      else list.push(c)
    }
    const cached = [...byTopic.values()]
    const topics = cached.map((list) => ({
      topic: (list[0] as CachedPartition).topic,
      partitions: list.map((c) => c.req),
    }))
    return {
      kind: 'incremental',
      request: { ...request, topics, forgottenTopicsData: [] },
      session,
      epoch: session.epoch,
      cached,
    }
  }

  /**
   * Finishes a response read for `ctx.request`: a full fetch may open a session (every partition
   * answered and cached), an incremental one keeps only the partitions that changed.
   */
  respond(
    ctx: Exclude<FetchContext, { kind: 'error' }>,
    response: FetchResponseOut,
  ): FetchResponseOut {
    switch (ctx.kind) {
      case 'sessionless':
        return response
      case 'full':
        return { ...response, sessionId: this.maybeCreate(ctx.request, response) }
      case 'incremental':
        return this.incremental(ctx, response)
    }
  }

  private incremental(
    ctx: Extract<FetchContext, { kind: 'incremental' }>,
    response: FetchResponseOut,
  ): FetchResponseOut {
    const { session } = ctx
    if (this.sessions.get(session.id) !== session || session.epoch !== ctx.epoch)
      return sessionErrorResponse(ErrorCode.INVALID_FETCH_SESSION_EPOCH, session.id)
    const responses: FetchResponseOut['responses'] = []
    response.responses.forEach((t, ti) => {
      const row = ctx.cached[ti] as CachedPartition[]
      const kept: FetchPartitionDataOut[] = []
      t.partitions.forEach((p, pi) => {
        const c = row[pi] as CachedPartition
        if (!mustRespond(c, p)) return
        kept.push(p)
        // Still in the session (a forgotten partition is not re-added): to the back.
        if (session.partitions.delete(c.key)) session.partitions.set(c.key, c)
      })
      if (kept.length > 0) responses.push({ topic: t.topic, partitions: kept })
    })
    return { ...response, sessionId: session.id, responses }
  }

  private maybeCreate(request: FetchRequest, response: FetchResponseOut): number {
    const privileged = request.replicaId >= 0
    let size = 0
    for (const t of request.topics) size += t.partitions.length
    const now = this.now()
    if (this.sessions.size >= this.maxEntries && !this.tryEvict(privileged, size, now)) return 0
    let id: number
    do id = randomInt(1, 0x7fffffff)
    while (this.sessions.has(id))
    const session = new FetchSession(id, privileged, now, now, nextEpoch(INITIAL_EPOCH))
    request.topics.forEach((t, ti) => {
      const answered = response.responses[ti]?.partitions
      t.partitions.forEach((p, pi) => {
        const r = answered?.[pi]
        const key = partitionKey(t.topic, p.partition)
        session.partitions.set(key, {
          key,
          topic: t.topic,
          req: p,
          // An error leaves -1: the partition is sent again once it recovers.
          highWatermark: r !== undefined && r.errorCode === 0 ? r.highWatermark : -1,
          logStartOffset: r?.logStartOffset ?? -1,
        })
      })
    })
    this.sessions.set(id, session)
    return id
  }

  private tryEvict(privileged: boolean, size: number, now: number): boolean {
    let stale: FetchSession | undefined
    let candidate: FetchSession | undefined
    for (const s of this.sessions.values()) {
      if (stale === undefined || s.lastUsedMs < stale.lastUsedMs) stale = s
      const old = now - s.createdMs > this.evictionMs
      // A follower may evict any consumer session and old follower sessions; a consumer only
      // old sessions.
      const evictable = privileged ? !s.privileged || old : old
      if (evictable && (candidate === undefined || rank(s) < rank(candidate))) candidate = s
    }
    if (stale !== undefined && now - stale.lastUsedMs > this.evictionMs) return this.evict(stale)
    if (candidate === undefined) return false
    const newcomerOutranks =
      privileged !== candidate.privileged ? privileged : size > candidate.partitions.size
    return newcomerOutranks && this.evict(candidate)
  }

  private evict(s: FetchSession): boolean {
    this.sessions.delete(s.id)
    this.evictions++
    return true
  }
}

/** Eviction order: consumers before followers, then smaller sessions first. */
function rank(s: FetchSession): number {
  return (s.privileged ? 2 ** 31 : 0) + s.partitions.size
}

/**
 * Kafka's rule for an incremental response: records, a changed high watermark or log start, or
 * an error; an answered partition's cached values are updated.
 */
function mustRespond(c: CachedPartition, p: FetchPartitionDataOut): boolean {
  let must = recordsBytes(p.records) > 0
  if (c.highWatermark !== p.highWatermark) {
    c.highWatermark = p.highWatermark
    must = true
  }
  if (c.logStartOffset !== p.logStartOffset) {
    c.logStartOffset = p.logStartOffset
    must = true
  }
  if (p.preferredReadReplica >= 0) must = true
  if (p.errorCode !== 0) {
    c.highWatermark = -1
    must = true
  }
  return must
}
