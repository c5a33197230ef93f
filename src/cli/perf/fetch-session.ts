// The fetcher's half of an incremental fetch session (KIP-227), as the Java consumer runs it:
// the first fetch is full and asks for a session (epoch 0); once the broker grants one, each
// fetch names only the partitions whose fetch offset moved since it was last sent, and the broker
// answers only partitions that changed. A lost session (FETCH_SESSION_ID_NOT_FOUND,
// INVALID_FETCH_SESSION_EPOCH) falls back to a full fetch that asks again.

import { ErrorCode } from '../../protocol/errors.js'
import type { FetchPartition, FetchRequest } from '../../protocol/messages/fetch.js'
import { nextEpoch } from '../../server/fetch-sessions.js'

export class FetchSessionClient {
  private id = 0
  /** 0: the next fetch is full and asks for a session. */
  private epoch = 0
  /** The fetch offset each partition was last sent with (-1: never). */
  private readonly sent: number[]
  /** Fetches sent in a session (after the full one that opened it). */
  incrementalFetches = 0

  /** `all`: every partition fetched, whose fetchOffset the caller keeps current. */
  constructor(private readonly all: FetchPartition[]) {
    this.sent = all.map(() => -1)
  }

  /** Sets the session fields and the partitions of `request` (one topic) for the next fetch. */
  prepare(request: FetchRequest): void {
    request.sessionId = this.id
    request.sessionEpoch = this.epoch
    const topic = request.topics[0]
    if (topic === undefined) return
    const full = this.epoch === 0
    if (!full) this.incrementalFetches++
    const send: FetchPartition[] = []
    this.all.forEach((p, i) => {
      if (!full && p.fetchOffset === this.sent[i]) return
      this.sent[i] = p.fetchOffset
      send.push(p)
    })
    topic.partitions = send
  }

  /** False when the session was lost (fetch again, in full); other errors are the caller's. */
  answered(errorCode: number, sessionId: number): boolean {
    if (
      errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND ||
      errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH
    ) {
      this.id = 0
      this.epoch = 0
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
}
