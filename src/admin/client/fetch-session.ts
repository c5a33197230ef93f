// The fetcher's half of an incremental fetch session (KIP-227), as Kafka's FetchSessionHandler
// runs it: the first fetch is full and asks for a session (epoch 0); once the broker grants one,
// each fetch names only the partitions whose request fields (fetch offset, log start, leader
// epoch, max bytes) changed since they were last sent, and forgets those no longer wanted; the
// broker replays the rest and answers only partitions that changed. A lost session
// (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH) or a failed request falls back to a
// full fetch that asks again. Used by `samsa perf consume` and the replica fetcher.

import { ErrorCode } from '../../protocol/errors.js'
import type { FetchPartition, FetchRequest, FetchTopic } from '../../protocol/messages/fetch.js'
import { nextEpoch } from '../../server/fetch-sessions.js'

/** The fields of a partition the broker's session holds, as last sent. */
interface Sent {
  fetchOffset: number
  logStartOffset: number
  currentLeaderEpoch: number
  lastFetchedEpoch: number
  partitionMaxBytes: number
  /** The prepare() that last listed it as wanted. */
  seen: number
}

function unchanged(s: Sent, p: FetchPartition): boolean {
  return (
    s.fetchOffset === p.fetchOffset &&
    s.logStartOffset === p.logStartOffset &&
    s.currentLeaderEpoch === p.currentLeaderEpoch &&
    s.lastFetchedEpoch === p.lastFetchedEpoch &&
    s.partitionMaxBytes === p.partitionMaxBytes
  )
}

function record(s: Sent, p: FetchPartition): void {
  s.fetchOffset = p.fetchOffset
  s.logStartOffset = p.logStartOffset
  s.currentLeaderEpoch = p.currentLeaderEpoch
  s.lastFetchedEpoch = p.lastFetchedEpoch
  s.partitionMaxBytes = p.partitionMaxBytes
}

export class FetchSessionClient {
  private id = 0
  /** 0: the next fetch is full and asks for a session. */
  private epoch = 0
  /** What the broker's session holds: topic -> partition -> fields last sent. */
  private readonly sent = new Map<string, Map<number, Sent>>()
  /** Reused between fetches: a topic's entry lists what changed, rebuilt per fetch. */
  private readonly out = new Map<string, FetchTopic>()
  /** Counts prepare() calls: marks what the current one wants, so the rest can be forgotten. */
  private generation = 0
  /** Fetches sent in a session (after the full one that opened it). */
  incrementalFetches = 0

  get sessionId(): number {
    return this.id
  }

  /**
   * Fills the session fields, topics and forgotten topics of `request` for a fetch of `wanted`:
   * every partition the fetcher wants now, with current fields (the caller keeps them current).
   * A partition left out of `wanted` is forgotten by the session, so the broker stops serving it.
   */
  prepare(request: FetchRequest, wanted: readonly FetchTopic[]): void {
    request.sessionId = this.id
    request.sessionEpoch = this.epoch
    const full = this.epoch === 0
    if (full) this.sent.clear()
    else this.incrementalFetches++
    const gen = ++this.generation
    const topics: FetchTopic[] = []
    for (const t of wanted) {
      let sentTopic = this.sent.get(t.topic)
      if (sentTopic === undefined) this.sent.set(t.topic, (sentTopic = new Map()))
      let entry = this.out.get(t.topic)
      if (entry === undefined) this.out.set(t.topic, (entry = { topic: t.topic, partitions: [] }))
      entry.partitions.length = 0
      for (const p of t.partitions) {
        const s = sentTopic.get(p.partition)
        if (s !== undefined) s.seen = gen
        if (s !== undefined && !full && unchanged(s, p)) continue
        if (s === undefined) sentTopic.set(p.partition, { ...p, seen: gen })
        else record(s, p)
        entry.partitions.push(p)
      }
      if (entry.partitions.length > 0) topics.push(entry)
    }
    request.topics = topics
    request.forgottenTopicsData = full ? [] : this.forget(gen)
  }

  /** Drops from the session what prepare() `gen` did not list; returns them as forgotten topics. */
  private forget(gen: number): FetchRequest['forgottenTopicsData'] {
    const forgotten: FetchRequest['forgottenTopicsData'] = []
    for (const [topic, parts] of this.sent) {
      let gone: number[] | null = null
      for (const [partition, s] of parts) if (s.seen !== gen) (gone ??= []).push(partition)
      if (gone === null) continue
      for (const partition of gone) parts.delete(partition)
      if (parts.size === 0) this.sent.delete(topic)
      forgotten.push({ topic, partitions: gone })
    }
    return forgotten
  }

  /** False when the session was lost (fetch again, in full); other errors are the caller's. */
  answered(errorCode: number, sessionId: number): boolean {
    if (
      errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND ||
      errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH
    ) {
      // As Kafka's client: an unknown session is forgotten, one out of step is closed by naming
      // it in the full fetch.
      if (errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND) this.id = 0
      this.reset()
      return false
    }
    if (errorCode !== 0) return true
    if (this.epoch === 0) {
      if (sessionId > 0) {
        this.id = sessionId
        this.epoch = 1
      }
    } else this.epoch = nextEpoch(this.epoch)
    return true
  }

  /**
   * After a request that may or may not have reached the broker (a broken connection): the next
   * fetch is full. It names the old session, which the broker then closes.
   */
  reset(): void {
    this.epoch = 0
    this.sent.clear()
  }
}
