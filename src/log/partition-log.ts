// One partition's log: its segments and offsets (start, end, high watermark, recovery point);
// appends written with one gathered pwritev, segment rolls, retention, flush policy, truncation,
// offline on a storage error. Kafka's UnifiedLog/LocalLog. The header passes of an append are in
// append-scan.ts, the read side in segment-reader.ts, producer snapshots in producer-snapshot.ts.
import path from 'node:path'
import { KafkaError } from '../protocol/errors.js'
import {
  recordFollowerBatches,
  scanFollowerAppend,
  scanLeaderAppend,
  stampBatches,
} from './append-scan.js'
import { BatchScanner } from './batch-scanner.js'
import { isStorageError } from './fs.js'
import { LeaderEpochCache } from './leader-epoch-cache.js'
import { loadProducerState, writeProducerSnapshot } from './producer-snapshot.js'
import { ProducerStateManager } from './producer-state.js'
import { loadSegments } from './recovery.js'
import { LogSegment } from './segment.js'
import {
  EMPTY_READ,
  maxTimestampOffset,
  offsetForTimestamp,
  readSegments,
  segmentIndexFor,
} from './segment-reader.js'
import type { FileSystem } from './fs.js'
import type { LogConfig } from './log-config.js'
import type { LogFn } from '../log-fn.js'
import type { SegmentPool } from './segment-pool.js'
import type { LogReadResult } from './segment-reader.js'

export interface AppendOptions {
  leaderEpoch?: number
  now?: number
}
export interface AppendInfo {
  firstOffset: number
  lastOffset: number
  logAppendTime: number
  logStartOffset: number
  duplicate: boolean
}
export type { LogFn }

export type { LogReadResult }
export interface PartitionLogOptions {
  topic: string
  partition: number
  dir: string
  config: LogConfig
  fs: FileSystem
  clock: () => number
  log?: LogFn
  onAppend?: (log: PartitionLog) => void
  /** Once, when a storage error takes the log offline (not when it is closed). */
  onOffline?: (log: PartitionLog) => void
  /** false (replication): the high watermark is moved by the leader, and loads from the
   * replication-offset-checkpoint instead of jumping to the log end. Default true. */
  highWatermarkFollowsLogEnd?: boolean
  /** Where new segments take recycled files from and deleted ones go (the data dir's pool). */
  pool?: SegmentPool
}

export interface LoadState {
  recoveryPoint: number
  logStartOffset: number
  highWatermark: number
  clean: boolean
  /** See LoadOptions.machineRestarted. */
  machineRestarted?: boolean
  onBytes?: (bytes: number) => void
}

const INT32_MAX = 2147483647

export class PartitionLog {
  readonly topic: string
  readonly partition: number
  readonly dir: string
  config: LogConfig
  highWatermark = 0
  /** Single node: the high watermark follows the log end offset. Replication turns it off. */
  highWatermarkFollowsLogEnd = true
  recoveryPoint = 0
  lastFlushTime: number
  private segments: LogSegment[] = []
  private startOffset = 0
  private endOffset = 0
  private isOffline = false
  private closed = false
  private unflushedMessages = 0
  private flushing: Promise<void> | null = null
  private flushNext: Promise<void> | null = null
  private readonly fs: FileSystem
  private readonly clock: () => number
  private readonly logFn: LogFn | undefined
  private readonly onAppend: ((log: PartitionLog) => void) | undefined
  private readonly onOffline: ((log: PartitionLog) => void) | undefined
  private readonly scanner: BatchScanner
  private readonly pool: SegmentPool | undefined
  readonly producerState = new ProducerStateManager()
  /** Which leader epoch started where (leader-epoch-checkpoint), for follower truncation. */
  leaderEpochCache: LeaderEpochCache

  private constructor(o: PartitionLogOptions) {
    this.topic = o.topic
    this.partition = o.partition
    this.dir = o.dir
    this.config = o.config
    this.fs = o.fs
    this.clock = o.clock
    this.logFn = o.log
    this.onAppend = o.onAppend
    this.onOffline = o.onOffline
    this.scanner = new BatchScanner(o.fs)
    this.pool = o.pool
    this.lastFlushTime = o.clock()
    if (o.highWatermarkFollowsLogEnd === false) this.highWatermarkFollowsLogEnd = false
    this.leaderEpochCache = new LeaderEpochCache(o.fs, path.join(o.dir, 'leader-epoch-checkpoint'))
  }

  private openEpochCache(): void {
    this.leaderEpochCache = LeaderEpochCache.load(this.fs, this.dir, (err) => {
      // Like any other write of the log, a failed checkpoint write takes the partition offline.
      if (isStorageError(err)) this.fail(err, 'leader-epoch-checkpoint')
      else
        this.logFn?.('warn', 'unreadable leader-epoch-checkpoint', {
          topic: this.topic,
          partition: this.partition,
          error: String(err),
        })
    })
    this.leaderEpochCache.setPersistent(!this.highWatermarkFollowsLogEnd)
  }

  /** A new empty log in `dir` (created). */
  static create(o: PartitionLogOptions): PartitionLog {
    const log = new PartitionLog(o)
    o.fs.mkdir(o.dir)
    log.segments = [log.newSegment(0, o.clock())]
    log.openEpochCache()
    return log
  }

  /** Opens an existing directory, recovering it when the shutdown was not clean. */
  static async load(o: PartitionLogOptions, state: LoadState): Promise<PartitionLog> {
    const log = new PartitionLog(o)
    const result = await loadSegments({
      fs: o.fs,
      dir: o.dir,
      config: o.config,
      recoveryPoint: state.recoveryPoint,
      clean: state.clean,
      machineRestarted: state.machineRestarted,
      pool: o.pool,
      logStartOffset: state.logStartOffset,
      now: o.clock(),
      onBytes: state.onBytes,
      log: o.log,
    })
    log.segments = result.segments
    log.endOffset = result.logEndOffset
    log.recoveryPoint = result.recoveryPoint
    log.startOffset = Math.min(
      Math.max(state.logStartOffset, result.segments[0].baseOffset),
      log.endOffset,
    )
    log.highWatermark = log.highWatermarkFollowsLogEnd
      ? log.endOffset
      : Math.min(state.highWatermark, log.endOffset)
    log.loadProducerState()
    log.openEpochCache()
    const cache = log.leaderEpochCache
    cache.truncateFromEnd(log.endOffset)
    cache.truncateFromStart(log.startOffset)
    // Logs written before replication existed carry leader epoch 0 in every batch.
    if (cache.latestEpoch < 0 && log.endOffset > log.startOffset) cache.assign(0, log.startOffset)
    return log
  }

  get logStartOffset(): number {
    return this.startOffset
  }
  get logEndOffset(): number {
    return this.endOffset
  }
  get offline(): boolean {
    return this.isOffline
  }
  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]
  }

  append(records: Buffer, options: AppendOptions = {}): AppendInfo {
    this.ensureOnline()
    const now = options.now ?? this.clock()
    const end = records.length
    if (end === 0) throw new KafkaError('CORRUPT_MESSAGE', 'empty record set')
    const scan = scanLeaderAppend(
      records,
      this.config.maxMessageBytes,
      this.endOffset,
      this.producerState,
    )
    if (scan.duplicate) {
      return {
        firstOffset: scan.firstOffset,
        lastOffset: scan.lastOffset,
        logAppendTime: -1,
        logStartOffset: this.startOffset,
        duplicate: true,
      }
    }
    if (end > this.config.segmentBytes) {
      throw new KafkaError(
        'RECORD_LIST_TOO_LARGE',
        `${end} bytes > segment.bytes ${this.config.segmentBytes}`,
      )
    }
    const firstOffset = this.endOffset
    const lastOffset = scan.nextOffset - 1
    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime' ? now : -1
    const leaderEpoch = options.leaderEpoch ?? 0
    // Only a newer epoch starts an entry: an append stamped with an older epoch (a writer that
    // does not know the leader's) must not wipe the cache.
    if (leaderEpoch > this.leaderEpochCache.latestEpoch)
      this.leaderEpochCache.assign(leaderEpoch, firstOffset)
    stampBatches(records, firstOffset, leaderEpoch, logAppendTime)
    this.writeBatches(records, now, lastOffset)
    if (scan.pending !== null) this.producerState.commit(scan.pending)
    this.appended(lastOffset, scan.messages)
    return {
      firstOffset,
      lastOffset,
      logAppendTime,
      logStartOffset: this.startOffset,
      duplicate: false,
    }
  }

  /**
   * A follower's append of batches fetched from the leader: offsets and leader epochs are kept
   * as the leader assigned them. The batches must start at the log end offset and be contiguous;
   * CRCs are checked. Producer state follows the batches without fencing anything (the leader
   * already did). Returns the last offset appended, or -1 for an empty record set.
   */
  appendAsFollower(records: Buffer): number {
    this.ensureOnline()
    const end = records.length
    if (end === 0) return -1
    const scan = scanFollowerAppend(records, this)
    const lastOffset = scan.nextOffset - 1
    this.writeBatches(records, this.clock(), lastOffset)
    recordFollowerBatches(records, this.leaderEpochCache, this.producerState)
    this.appended(lastOffset, scan.messages)
    return lastOffset
  }

  read(
    offset: number,
    maxBytes: number,
    options: { maxOffset?: number; minOneBatch?: boolean } = {},
  ): LogReadResult {
    this.ensureOnline()
    if (offset < this.startOffset || offset > this.endOffset) {
      throw new KafkaError(
        'OFFSET_OUT_OF_RANGE',
        `offset ${offset} outside [${this.startOffset}, ${this.endOffset}] of ${this.topic}-${this.partition}`,
      )
    }
    const maxOffset = Math.min(options.maxOffset ?? this.endOffset, this.endOffset)
    // A caught-up reader (every idle partition of a long poll, twice per poll) allocates nothing.
    if (offset >= maxOffset) return EMPTY_READ
    const minOneBatch = options.minOneBatch ?? true
    return readSegments(this.segments, this.scanner, offset, maxOffset, maxBytes, minOneBatch)
  }

  /** First batch whose max timestamp >= timestamp: its base offset (clamped to the log start)
   * and max timestamp. Kafka returns the first record's own offset; we never parse records. */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    this.ensureOnline()
    return offsetForTimestamp(this.segments, this.scanner, this.startOffset, timestamp)
  }

  /** ListOffsets -3: the largest timestamp and the last offset of the batch that carries it. */
  maxTimestampOffset(): { offset: number; timestamp: number } | null {
    return maxTimestampOffset(this.segments)
  }

  deleteRecordsBefore(offset: number): number {
    this.ensureOnline()
    if (offset > this.highWatermark || offset < 0) {
      throw new KafkaError(
        'OFFSET_OUT_OF_RANGE',
        `${offset} is beyond the high watermark ${this.highWatermark}`,
      )
    }
    if (offset > this.startOffset) {
      this.startOffset = offset
      this.leaderEpochCache.truncateFromStart(offset)
      this.deleteSegmentsWhile(
        (seg, next) => next.baseOffset <= this.startOffset && seg !== this.active,
      )
    }
    return this.startOffset
  }

  /** Time and size retention plus segments wholly below the log start; never the active one. */
  deleteOldSegments(now: number = this.clock()): number {
    if (this.isOffline || this.closed || !this.config.cleanupPolicy.split(',').includes('delete'))
      return 0
    const { retentionMs, retentionBytes } = this.config
    let excess = retentionBytes >= 0 ? this.sizeInBytes() - retentionBytes : -1
    return this.deleteSegmentsWhile((seg, next) => {
      if (next.baseOffset <= this.startOffset) return true
      if (retentionMs >= 0 && seg.maxTimestamp >= 0 && now - seg.maxTimestamp > retentionMs)
        return true
      if (excess >= seg.size) {
        excess -= seg.size
        return true
      }
      return false
    })
  }

  async truncateTo(offset: number): Promise<void> {
    this.ensureOnline()
    if (offset >= this.endOffset) return
    // R9: never rewrite bytes a send may still be reading; wait for the pins to drop.
    for (;;) {
      const i = segmentIndexFor(this.segments, Math.max(offset, this.segments[0].baseOffset))
      if (!this.segments.slice(i).some((s) => s.pins > 0)) break
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    try {
      if (offset < this.segments[0].baseOffset) {
        for (const seg of this.segments) seg.delete(0, false)
        this.segments = [this.newSegment(offset, this.clock())]
        this.startOffset = offset
        this.endOffset = offset
      } else {
        const i = segmentIndexFor(this.segments, offset)
        for (const seg of this.segments.splice(i + 1)) seg.delete(0, false)
        const seg = this.segments[i]
        let pos = seg.findBatch(this.scanner, offset, seg.size)
        if (pos < 0) pos = seg.size
        seg.truncateAt(this.scanner, offset, pos, this.config.indexIntervalBytes)
        this.endOffset = Math.max(seg.nextOffset, seg.baseOffset)
      }
    } catch (err) {
      throw this.fail(err, 'truncate')
    }
    this.highWatermark = Math.min(this.highWatermark, this.endOffset)
    this.recoveryPoint = Math.min(this.recoveryPoint, this.endOffset)
    this.startOffset = Math.min(this.startOffset, this.endOffset)
    this.leaderEpochCache.truncateFromEnd(this.endOffset)
    this.producerState.clear()
    this.loadProducerState()
  }

  /** A follower far behind the leader's log start: drop everything, restart empty at offset. */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    this.ensureOnline()
    while (this.segments.some((s) => s.pins > 0))
      await new Promise((resolve) => setTimeout(resolve, 2))
    try {
      for (const seg of this.segments) seg.delete(0, false)
      this.segments = [this.newSegment(offset, this.clock())]
    } catch (err) {
      throw this.fail(err, 'truncate')
    }
    this.startOffset = offset
    this.endOffset = offset
    this.highWatermark = offset
    this.recoveryPoint = offset
    this.leaderEpochCache.clear()
    this.producerState.clear()
  }

  /** fdatasync of every segment not yet flushed, off the event loop; then the recovery point moves. */
  flush(): Promise<void> {
    try {
      this.ensureOnline()
    } catch (err) {
      return Promise.reject(err as Error)
    }
    // Everything asking while a flush runs shares one follow-up flush: appended data is only
    // covered by an fdatasync that starts after it, and one per caller would queue without bound
    // (flush.messages below the appends that land during one fdatasync).
    if (this.flushing !== null) {
      this.flushNext ??= this.flushing
        .catch(() => undefined)
        .then(() => {
          this.flushNext = null
          return this.flush()
        })
      return this.flushNext
    }
    const upTo = this.endOffset
    const messages = this.unflushedMessages
    const segs = this.segments.filter((_s, i) => {
      const next = this.segments[i + 1]
      return next === undefined || next.baseOffset > this.recoveryPoint
    })
    const run = (async () => {
      try {
        await Promise.all(segs.map((s) => s.flush()))
      } catch (err) {
        throw this.fail(err, 'flush')
      }
      if (upTo > this.recoveryPoint) this.recoveryPoint = upTo
      this.unflushedMessages = Math.max(0, this.unflushedMessages - messages)
      this.lastFlushTime = this.clock()
    })()
    this.flushing = run.finally(() => {
      this.flushing = null
    })
    return this.flushing
  }

  /** flush.ms policy, driven by the LogManager's scheduler. */
  maybeFlushByTime(now: number): void {
    if (this.isOffline || this.closed || this.flushing !== null) return
    if (this.recoveryPoint < this.endOffset && now - this.lastFlushTime >= this.config.flushMs) {
      this.flushInBackground()
    }
  }

  sizeInBytes(): number {
    let total = 0
    for (const seg of this.segments) total += seg.size
    return total
  }

  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset)
  }

  /** Every segment but the active one, oldest first: what compaction may rewrite. */
  inactiveSegments(): LogSegment[] {
    return this.segments.slice(0, -1)
  }

  /**
   * Compaction's swap (Kafka's replaceSegments). `old` must still be consecutive inactive
   * segments of this log, else nothing changes and false is returned (retention or truncation
   * removed one meanwhile). The old segments leave through the delayed, pin-aware delete path
   * (renamed `.deleted`, fds kept while reads pin them: R9); `install` then renames the cleaned
   * `.swap` files to their final names and opens the new segment.
   */
  replaceSegments(
    old: readonly LogSegment[],
    install: () => LogSegment,
    afterDelete?: (seg: LogSegment) => void,
  ): boolean {
    const i = this.segments.indexOf(old[0])
    if (this.isOffline || i < 0 || i + old.length >= this.segments.length) return false
    if (old.some((seg, k) => this.segments[i + k] !== seg || seg.deleted)) return false
    try {
      for (let k = 0; k < old.length; k++) {
        const flushed = this.segments[i + k + 1].baseOffset <= this.recoveryPoint
        old[k].delete(this.config.fileDeleteDelayMs, flushed)
        afterDelete?.(old[k])
      }
      this.segments.splice(i, old.length, install())
    } catch (err) {
      throw this.fail(err, 'clean')
    }
    return true
  }

  /** Flushes, records producer state in a snapshot, trims indexes and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return
    try {
      if (!this.isOffline) {
        await this.flush()
        await writeProducerSnapshot(this.fs, this.dir, this.endOffset, this.producerState)
        await this.leaderEpochCache.close()
        this.active.seal()
        // Sealing trimmed the indexes and started their fdatasync: on disk before the marker.
        await this.active.flush()
      }
    } finally {
      this.closed = true
      this.isOffline = true
      for (const seg of this.segments) seg.close()
    }
  }

  /** Closes and forgets the files without flushing (the directory is being deleted). */
  closeForDelete(): void {
    if (this.closed) return
    this.closed = true
    this.isOffline = true
    void this.leaderEpochCache.close()
    for (const seg of this.segments) seg.delete(0, false)
  }

  private ensureOnline(): void {
    if (this.isOffline) {
      throw new KafkaError(
        'KAFKA_STORAGE_ERROR',
        `${this.topic}-${this.partition} is ${this.closed ? 'closed' : 'offline after a storage error'}`,
      )
    }
  }

  /** A filesystem error takes the partition offline; KafkaErrors pass through. */
  private fail(err: unknown, op: string): Error {
    if (err instanceof KafkaError) return err
    const code = isStorageError(err) ? (err as { code: string }).code : 'unknown'
    if (!this.isOffline) {
      this.isOffline = true
      this.logFn?.('error', 'partition offline after a storage error', {
        topic: this.topic,
        partition: this.partition,
        op,
        code,
        error: String(err),
      })
      this.onOffline?.(this)
    }
    return new KafkaError(
      'KAFKA_STORAGE_ERROR',
      `${op} failed on ${this.topic}-${this.partition}: ${code}`,
    )
  }

  /** Rolls if needed and writes the whole record set with one pwritev; a failure goes offline. */
  private writeBatches(records: Buffer, now: number, lastOffset: number): void {
    try {
      this.maybeRoll(records.length, now, lastOffset)
      if (this.active.isEmpty) this.active.createdAt = now
      this.active.append([records], records.length, this.config.indexIntervalBytes)
    } catch (err) {
      throw this.fail(err, 'append')
    }
  }

  /** After a successful write: offsets, high watermark, flush.messages policy, listeners. */
  private appended(lastOffset: number, messages: number): void {
    this.endOffset = lastOffset + 1
    if (this.highWatermarkFollowsLogEnd) this.highWatermark = this.endOffset
    this.unflushedMessages += messages
    if (this.unflushedMessages >= this.config.flushMessages) this.flushInBackground()
    this.onAppend?.(this)
  }

  private flushInBackground(): void {
    this.flush().catch(() => {
      // fail() already took the partition offline and logged it.
    })
  }

  private maybeRoll(appendBytes: number, now: number, lastOffset: number): void {
    const seg = this.active
    if (seg.isEmpty) return
    if (
      seg.size + appendBytes > this.config.segmentBytes ||
      now - seg.createdAt > this.config.segmentMs ||
      seg.isIndexFull() ||
      lastOffset - seg.baseOffset > INT32_MAX
    ) {
      this.roll(now)
    }
  }

  private newSegment(baseOffset: number, now: number): LogSegment {
    return LogSegment.create(this.fs, this.dir, baseOffset, this.config, now, this.pool)
  }

  private roll(now: number): void {
    const old = this.active
    old.seal()
    this.segments.push(this.newSegment(this.endOffset, now))
    // Kafka flushes the finished segment asynchronously on roll, so recovery stays short.
    const upTo = this.endOffset
    old
      .flush()
      .then(() => {
        if (upTo > this.recoveryPoint) this.recoveryPoint = upTo
      })
      .catch((err: unknown) => {
        if (!old.deleted) this.fail(err, 'flush')
      })
  }

  private deleteSegmentsWhile(pred: (seg: LogSegment, next: LogSegment) => boolean): number {
    let n = 0
    while (this.segments.length > 1 && pred(this.segments[0], this.segments[1])) {
      const seg = this.segments.shift() as LogSegment
      seg.delete(this.config.fileDeleteDelayMs, this.segments[0].baseOffset <= this.recoveryPoint)
      n++
    }
    if (n > 0) {
      this.startOffset = Math.max(this.startOffset, this.segments[0].baseOffset)
      this.leaderEpochCache.truncateFromStart(this.startOffset)
      this.logFn?.('info', 'deleted old segments', {
        topic: this.topic,
        partition: this.partition,
        segments: n,
      })
    }
    return n
  }

  private loadProducerState(): void {
    loadProducerState(
      this.fs,
      this.dir,
      this.segments,
      this.endOffset,
      this.scanner,
      this.producerState,
    )
  }
}
