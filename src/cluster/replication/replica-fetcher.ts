// The follower side of replication for every partition led by one broker (Kafka's
// ReplicaFetcherThread): a loop over one TCP connection that first resolves divergence with
// OffsetForLeaderEpoch (KIP-101/279: truncate to the end offset of the last common epoch), then
// fetches from the log end offset with replica_id = own node id, appends what arrives with the
// leader's offsets and epochs kept, and sets the follower high watermark to
// min(leader HW, own LEO). Fetches run in an incremental fetch session (KIP-227, as Kafka's
// followers do): after the first full fetch only partitions whose offset, log start or epoch moved
// are sent, and the leader answers only partitions that changed. A partition that cannot be
// fetched now (truncating, backing off, offline) is forgotten by the session until it can, so the
// leader never takes a stale cached offset for its log end. Errors back off; stop() ends the loop
// and closes the connection.
import { KafkaConnection } from '../../admin/client/connection.js'
import { FetchSessionClient } from '../../admin/client/fetch-session.js'
import { KafkaError, errorName } from '../../protocol/errors.js'
import { FetchRequestSchema, FetchResponseSchema } from '../../protocol/messages/fetch.js'
import type { FetchRequest, FetchResponse } from '../../protocol/messages/fetch.js'
import {
  OffsetForLeaderEpochRequestSchema,
  OffsetForLeaderEpochResponseSchema,
} from '../../protocol/messages/offset-for-leader-epoch.js'
import type {
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
} from '../../protocol/messages/offset-for-leader-epoch.js'
import {
  batchBaseOffset,
  batchLastOffset,
  batchSize,
  LOG_OVERHEAD,
} from '../../log/record-batch.js'
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from '../../log/leader-epoch-cache.js'
import type { PartitionLog } from '../../log/partition-log.js'
import type { BrokerInfo } from '../types.js'
import type { LogFn } from '../../log-fn.js'

export interface FetcherOptions {
  nodeId: number
  leader: BrokerInfo
  /** replica.fetch.wait.max.ms (default 500). */
  maxWaitMs?: number
  /** replica.fetch.max.bytes per partition (default 1 MiB) and per response (10 MiB). */
  partitionMaxBytes?: number
  responseMaxBytes?: number
  /** replica.fetch.backoff.ms (default 1000). */
  backoffMs?: number
  clientId?: string
  logFn?: LogFn
}

/** One partition this fetcher replicates. */
export interface FetchPartitionState {
  readonly topic: string
  readonly partition: number
  readonly log: PartitionLog
  leaderEpoch: number
  /** Divergence must be resolved (OffsetForLeaderEpoch) before the next fetch. */
  truncating: boolean
  /** No fetch before this time (after an error). */
  delayedUntil: number
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`

/** Appends `entry` to its topic's group in a request being built (one topic entry per topic). */
function addToTopic<P>(
  byTopic: Map<string, { topic: string; partitions: P[] }>,
  topic: string,
  entry: P,
): void {
  const t = byTopic.get(topic)
  if (t === undefined) byTopic.set(topic, { topic, partitions: [entry] })
  else t.partitions.push(entry)
}

/** The prefix of whole batches in a fetched record set (a response may end mid-batch). */
export function wholeBatches(records: Buffer): Buffer {
  let pos = 0
  while (records.length - pos >= LOG_OVERHEAD) {
    const size = batchSize(records, pos)
    if (size <= LOG_OVERHEAD || pos + size > records.length) break
    pos += size
  }
  return pos === records.length ? records : records.subarray(0, pos)
}

/** Drops whole batches below `from` (already in the log); -1 when one straddles it. */
function skipBelow(records: Buffer, from: number): Buffer | null {
  let pos = 0
  while (pos < records.length && batchLastOffset(records, pos) < from)
    pos += batchSize(records, pos)
  if (pos < records.length && batchBaseOffset(records, pos) < from) return null
  return pos === 0 ? records : records.subarray(pos)
}

/** Kafka's follower truncation decision for one OffsetForLeaderEpoch answer. */
export function truncationOffset(
  log: PartitionLog,
  leaderEpoch: number,
  leaderEndOffset: number,
): { offset: number; done: boolean } {
  const leo = log.logEndOffset
  if (leaderEndOffset === UNDEFINED_EPOCH_OFFSET)
    return { offset: Math.min(log.highWatermark, leo), done: true }
  if (leaderEpoch === UNDEFINED_EPOCH) return { offset: Math.min(leaderEndOffset, leo), done: true }
  const local = log.leaderEpochCache.endOffsetFor(leaderEpoch, leo)
  if (local.startOffset === UNDEFINED_EPOCH_OFFSET)
    return { offset: Math.min(leaderEndOffset, leo), done: true }
  // The leader does not know our epoch: cut back to where our older epoch ended and ask again.
  if (local.epoch !== leaderEpoch) return { offset: Math.min(local.startOffset, leo), done: false }
  return { offset: Math.min(leaderEndOffset, local.startOffset), done: true }
}

export class ReplicaFetcher {
  readonly leaderId: number
  private readonly partitions = new Map<string, FetchPartitionState>()
  private conn: KafkaConnection | null = null
  private running = false
  private loop: Promise<void> | null = null
  private wake: (() => void) | null = null
  private readonly maxWaitMs: number
  private readonly backoffMs: number
  private readonly session = new FetchSessionClient()

  constructor(private readonly o: FetcherOptions) {
    this.leaderId = o.leader.nodeId
    this.maxWaitMs = o.maxWaitMs ?? 500
    this.backoffMs = o.backoffMs ?? 1000
  }

  get leader(): BrokerInfo {
    return this.o.leader
  }

  get size(): number {
    return this.partitions.size
  }

  /** Fetches sent in an incremental session (only changed partitions named). */
  get incrementalFetches(): number {
    return this.session.incrementalFetches
  }

  states(): FetchPartitionState[] {
    return [...this.partitions.values()]
  }

  has(topic: string, partition: number): FetchPartitionState | undefined {
    return this.partitions.get(key(topic, partition))
  }

  /** Starts (or re-targets, after a new leader epoch) replication of a partition. */
  addPartition(log: PartitionLog, leaderEpoch: number): void {
    const k = key(log.topic, log.partition)
    const cur = this.partitions.get(k)
    if (cur !== undefined && cur.leaderEpoch === leaderEpoch && cur.log === log) return
    this.partitions.set(k, {
      topic: log.topic,
      partition: log.partition,
      log,
      leaderEpoch,
      truncating: true,
      delayedUntil: 0,
    })
    this.kick()
  }

  removePartition(topic: string, partition: number): void {
    this.partitions.delete(key(topic, partition))
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.loop = this.run()
  }

  async stop(): Promise<void> {
    this.running = false
    this.conn?.close()
    this.conn = null
    this.kick()
    await this.loop
  }

  private kick(): void {
    const w = this.wake
    this.wake = null
    w?.()
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null
        resolve()
      }, ms)
      this.wake = () => {
        clearTimeout(t)
        resolve()
      }
    })
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.partitions.size === 0) {
          await this.sleep(this.backoffMs)
          continue
        }
        if (this.conn === null) {
          const { host, port } = this.o.leader
          this.conn = await KafkaConnection.connect(host, port, {
            clientId: this.o.clientId ?? `samsa-replica-${this.o.nodeId}`,
            timeoutMs: this.maxWaitMs + 30_000,
            // Records are appended before the next request: no buffer per fetch response.
            readInPlace: true,
          })
          if (!this.running) break
        }
        await this.truncatePending(this.conn)
        if (!(await this.fetchOnce(this.conn))) await this.sleep(Math.min(this.backoffMs, 100))
      } catch (err) {
        if (!this.running) break
        this.o.logFn?.('warn', 'replica fetcher error', {
          leader: this.leaderId,
          error: String(err),
        })
        this.conn?.close()
        this.conn = null
        // The last request may or may not have reached the leader: start the session over.
        this.session.reset()
        await this.sleep(this.backoffMs)
      }
    }
    this.conn?.close()
    this.conn = null
  }

  /** Partitions not backing off, whose log is online (an offline one is neither truncated nor
   *  fetched: its broker reported it and the controller keeps it out of the ISR). */
  private ready(now: number): FetchPartitionState[] {
    const out: FetchPartitionState[] = []
    for (const st of this.partitions.values())
      if (st.delayedUntil <= now && !st.log.offline) out.push(st)
    return out
  }

  private delay(st: FetchPartitionState, reason: string): void {
    st.delayedUntil = Date.now() + this.backoffMs
    this.o.logFn?.('info', 'replica fetch of a partition delayed', {
      topic: st.topic,
      partition: st.partition,
      leader: this.leaderId,
      reason,
    })
  }

  private current(st: FetchPartitionState, epoch: number): boolean {
    return (
      this.running &&
      this.partitions.get(key(st.topic, st.partition)) === st &&
      st.leaderEpoch === epoch
    )
  }

  /** OffsetForLeaderEpoch for every partition that (re)started following, then truncation. */
  private async truncatePending(conn: KafkaConnection): Promise<void> {
    const todo = this.ready(Date.now()).filter((st) => st.truncating)
    if (todo.length === 0) return
    const asked = new Map<string, { st: FetchPartitionState; epoch: number }>()
    const byTopic = new Map<string, OffsetForLeaderEpochRequest['topics'][number]>()
    for (const st of todo) {
      const latest = st.log.leaderEpochCache.latestEpoch
      if (latest === UNDEFINED_EPOCH) {
        // Nothing of ours carries an epoch: keep what is committed, drop the rest.
        await st.log.truncateTo(Math.min(st.log.highWatermark, st.log.logEndOffset))
        st.truncating = false
        continue
      }
      asked.set(key(st.topic, st.partition), { st, epoch: st.leaderEpoch })
      addToTopic(byTopic, st.topic, {
        partition: st.partition,
        currentLeaderEpoch: st.leaderEpoch,
        leaderEpoch: latest,
      })
    }
    if (byTopic.size === 0) return
    const res = await conn.send<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(
      OffsetForLeaderEpochRequestSchema,
      OffsetForLeaderEpochResponseSchema,
      { replicaId: this.o.nodeId, topics: [...byTopic.values()] },
    )
    for (const t of res.topics) {
      for (const p of t.partitions) {
        const entry = asked.get(key(t.topic, p.partition))
        if (entry === undefined || !this.current(entry.st, entry.epoch)) continue
        const st = entry.st
        if (p.errorCode !== 0) {
          this.delay(st, `OffsetForLeaderEpoch: ${errorName(p.errorCode)}`)
          continue
        }
        const { offset, done } = truncationOffset(st.log, p.leaderEpoch, p.endOffset)
        if (offset < st.log.logEndOffset) {
          this.o.logFn?.('info', 'truncating follower log', {
            topic: st.topic,
            partition: st.partition,
            from: st.log.logEndOffset,
            to: offset,
            leaderEpoch: p.leaderEpoch,
            leaderEndOffset: p.endOffset,
          })
          await st.log.truncateTo(offset)
        }
        if (done && this.current(st, entry.epoch)) st.truncating = false
      }
    }
  }

  /** One fetch round; false when there was nothing to fetch. */
  private async fetchOnce(conn: KafkaConnection): Promise<boolean> {
    const now = Date.now()
    const ready = this.ready(now).filter((st) => !st.truncating)
    if (ready.length === 0) return false
    const epochs = new Map<string, { st: FetchPartitionState; epoch: number; offset: number }>()
    const byTopic = new Map<string, FetchRequest['topics'][number]>()
    const partitionMaxBytes = this.o.partitionMaxBytes ?? 1024 * 1024
    for (const st of ready) {
      const offset = st.log.logEndOffset
      epochs.set(key(st.topic, st.partition), { st, epoch: st.leaderEpoch, offset })
      addToTopic(byTopic, st.topic, {
        partition: st.partition,
        currentLeaderEpoch: st.leaderEpoch,
        fetchOffset: offset,
        lastFetchedEpoch: -1,
        logStartOffset: st.log.logStartOffset,
        partitionMaxBytes,
      })
    }
    const request: FetchRequest = {
      clusterId: null,
      replicaId: this.o.nodeId,
      maxWaitMs: this.maxWaitMs,
      minBytes: 1,
      maxBytes: this.o.responseMaxBytes ?? 10 * 1024 * 1024,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [],
      forgottenTopicsData: [],
      rackId: '',
    }
    this.session.prepare(request, [...byTopic.values()])
    const res = await conn.send<FetchRequest, FetchResponse>(
      FetchRequestSchema,
      FetchResponseSchema,
      request,
    )
    // A lost session: the next round fetches in full and opens a new one.
    if (!this.session.answered(res.errorCode, res.sessionId)) return true
    if (res.errorCode !== 0) throw new KafkaError('UNKNOWN_SERVER_ERROR', errorName(res.errorCode))
    for (const t of res.responses) {
      for (const p of t.partitions) {
        const entry = epochs.get(key(t.topic, p.partitionIndex))
        if (entry === undefined || !this.current(entry.st, entry.epoch)) continue
        await this.processPartition(entry.st, entry.offset, p)
      }
    }
    return true
  }

  private async processPartition(
    st: FetchPartitionState,
    fetchOffset: number,
    p: FetchResponse['responses'][number]['partitions'][number],
  ): Promise<void> {
    const log = st.log
    const name = errorName(p.errorCode)
    switch (name) {
      case 'NONE':
        break
      case 'OFFSET_OUT_OF_RANGE':
        // Behind the leader's log start (retention): start over where the leader starts.
        if (p.logStartOffset > log.logEndOffset) {
          await log.truncateFullyAndStartAt(p.logStartOffset)
          return
        }
        st.truncating = true
        this.delay(st, name)
        return
      default:
        this.delay(st, name)
        return
    }
    if (log.logEndOffset !== fetchOffset) return // truncated meanwhile: next round refetches
    if (p.records !== null && p.records.length > 0) {
      const batches = skipBelow(wholeBatches(p.records), log.logEndOffset)
      if (batches === null) {
        st.truncating = true
        return
      }
      if (batches.length > 0) {
        try {
          log.appendAsFollower(batches)
        } catch (err) {
          this.o.logFn?.('warn', 'follower append failed', {
            topic: st.topic,
            partition: st.partition,
            error: String(err),
          })
          st.truncating = true
          this.delay(st, 'append failed')
          return
        }
      }
    }
    const hw = Math.min(p.highWatermark, log.logEndOffset)
    if (hw > log.highWatermark) log.highWatermark = hw
    // The leader's log start moved (DeleteRecords, retention): follow it, as far as this
    // replica's high watermark (Kafka's maybeIncrementLogStartOffset on the follower); the next
    // fetch reports the new start, which completes a DeleteRecords waiting on the leader.
    const start = Math.min(p.logStartOffset, log.highWatermark)
    if (start > log.logStartOffset) log.deleteRecordsBefore(start)
  }
}
