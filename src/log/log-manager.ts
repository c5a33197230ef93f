// All partition logs of the broker across its log dirs (Kafka's LogManager): loading with
// recovery, creation/deletion, per-topic config, retention and flush schedulers, checkpoints and
// the clean-shutdown marker.
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import {
  CLEAN_SHUTDOWN_MARKER,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  partitionKey,
  readCheckpointFile,
  writeCheckpointFile,
  writeFileAtomic,
} from './checkpoint.js'
import { LogCleaner } from './cleaner/log-cleaner.js'
import { realFileSystem } from './fs.js'
import { PartitionLog } from './partition-log.js'
import { logBytes } from './recovery.js'
import { SegmentPool, currentBootId, machineRestarted, recordBootId } from './segment-pool.js'
import type { CheckpointEntry } from './checkpoint.js'
import type { FileSystem } from './fs.js'
import type { LogConfig } from './log-config.js'
import type { LogFn } from '../log-fn.js'

export interface LogManagerOptions {
  logDirs: string[]
  defaults: LogConfig
  clock?: () => number
  fs?: FileSystem
  retentionCheckIntervalMs?: number
  /** log.cleaner.enable (default true): run the background cleaner for compacted topics. */
  cleanerEnable?: boolean
  /** log.cleaner.backoff.ms (default 15 s): pause between cleaner rounds. */
  cleanerBackoffMs?: number
  recoveryPointCheckpointIntervalMs?: number
  /** num.recovery.threads.per.data.dir (Kafka's default 1): partitions of one dir loaded at once. */
  recoveryThreadsPerDataDir?: number
  log?: LogFn
  /** Cluster mode: high watermarks are moved by replication and reloaded from the
   * replication-offset-checkpoint rather than following the log end. Default false. */
  replicated?: boolean
  /** samsa.log.segment.recycle.bytes: deleted segment files kept per dir for reuse (default 0: off). */
  segmentRecycleBytes?: number
}

const PARTITION_DIR = /^(.+)-(\d+)$/
const FLUSH_CHECK_MS = 1000
const PROGRESS_AFTER_MS = 1000
/** How often a stalled load (one slow read) checks whether a progress line is due. */
const PROGRESS_CHECK_MS = 200

/** Counts what loading has done; lines once loading runs past a second, at most one a second. */
class LoadProgress {
  private readonly started: number
  private lastReport: number
  private partitionsTotal = 0
  private partitionsDone = 0
  private bytesTotal = 0
  private bytesDone = 0

  constructor(
    private readonly clock: () => number,
    private readonly logFn: LogFn | undefined,
  ) {
    this.started = clock()
    this.lastReport = this.started
  }

  add(bytes: number): void {
    this.partitionsTotal++
    this.bytesTotal += bytes
  }

  bytes(n: number): void {
    this.bytesDone += n
    this.maybeReport()
  }

  partitionDone(): void {
    this.partitionsDone++
    this.maybeReport()
  }

  maybeReport(): void {
    const now = this.clock()
    if (now - this.started < PROGRESS_AFTER_MS || now - this.lastReport < PROGRESS_AFTER_MS) return
    this.lastReport = now
    this.logFn?.('info', 'loading logs', this.fields())
  }

  summary(): void {
    this.logFn?.('info', 'logs loaded', { ...this.fields(), ms: this.clock() - this.started })
  }

  private fields(): Record<string, number> {
    return {
      partitionsDone: this.partitionsDone,
      partitionsTotal: this.partitionsTotal,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
    }
  }
}

export class LogManager {
  /**
   * By topic, then partition number: get() runs for every partition of every produce and fetch,
   * and a key string per lookup (built, then hashed) cost more than the rest of the lookup at 100
   * partitions.
   */
  private readonly byTopic = new Map<string, Map<number, PartitionLog>>()
  private readonly topicOverrides = new Map<string, Partial<LogConfig>>()
  private readonly listeners: ((log: PartitionLog) => void)[] = []
  private readonly offlineListeners: ((log: PartitionLog) => void)[] = []
  private readonly timers: NodeJS.Timeout[] = []
  private readonly fs: FileSystem
  private readonly clock: () => number
  private readonly logFn: LogFn | undefined
  private closed = false
  private readonly removals = new Set<Promise<void>>()
  private readonly pools = new Map<string, SegmentPool>()
  /** Compaction; its schedule runs only with cleanerEnable (manual cleanLog calls always work). */
  readonly cleaner: LogCleaner

  private constructor(private readonly options: LogManagerOptions) {
    this.fs = options.fs ?? realFileSystem
    this.clock = options.clock ?? Date.now
    this.logFn = options.log
    this.cleaner = new LogCleaner({
      logDirs: options.logDirs,
      fs: this.fs,
      clock: this.clock,
      logs: () => this.all(),
      backoffMs: options.cleanerBackoffMs,
      log: options.log,
    })
    for (const dir of options.logDirs)
      this.pools.set(
        dir,
        new SegmentPool(this.fs, dir, options.segmentRecycleBytes ?? 0, this.logFn),
      )
  }

  static async open(options: LogManagerOptions): Promise<LogManager> {
    if (options.logDirs.length === 0) throw new Error('at least one log dir is needed')
    const m = new LogManager(options)
    await m.loadAll()
    m.cleaner.load()
    m.startSchedulers()
    if (options.cleanerEnable ?? true) m.cleaner.start()
    return m
  }

  get(topic: string, partition: number): PartitionLog | undefined {
    return this.byTopic.get(topic)?.get(partition)
  }

  private put(topic: string, partition: number, log: PartitionLog): void {
    let partitions = this.byTopic.get(topic)
    if (partitions === undefined) {
      partitions = new Map()
      this.byTopic.set(topic, partitions)
    }
    partitions.set(partition, log)
  }

  all(): PartitionLog[] {
    return [...this.each()]
  }

  private *each(): Generator<PartitionLog> {
    for (const partitions of this.byTopic.values()) yield* partitions.values()
  }

  /** Creates the partition's log in the least loaded log dir (returns the existing one if any). */
  create(topic: string, partition: number, overrides?: Partial<LogConfig>): PartitionLog {
    const existing = this.get(topic, partition)
    if (existing !== undefined) return existing
    if (overrides !== undefined) {
      this.topicOverrides.set(topic, { ...this.topicOverrides.get(topic), ...overrides })
    }
    const counts = new Map<string, number>(this.options.logDirs.map((d) => [d, 0]))
    for (const log of this.each()) {
      const parent = path.dirname(log.dir)
      counts.set(parent, (counts.get(parent) ?? 0) + 1)
    }
    let dir = this.options.logDirs[0]
    for (const d of this.options.logDirs) if ((counts.get(d) ?? 0) < (counts.get(dir) ?? 0)) dir = d
    const log = PartitionLog.create(
      this.logOptions(topic, partition, path.join(dir, partitionKey(topic, partition))),
    )
    this.put(topic, partition, log)
    return log
  }

  /**
   * Removes the log: renamed to `<dir>.<uuid>-delete` at once; the files are then removed in the
   * background (deletionsDone() waits for that).
   */
  async delete(topic: string, partition: number): Promise<void> {
    const partitions = this.byTopic.get(topic)
    const log = partitions?.get(partition)
    if (partitions === undefined || log === undefined) return
    partitions.delete(partition)
    if (partitions.size === 0) this.byTopic.delete(topic)
    await this.cleaner.abort(log)
    log.closeForDelete()
    const doomed = `${log.dir}.${randomUUID().replaceAll('-', '')}-delete`
    // Synchronous, so the partition is gone from disk at once; a failure here reaches the caller.
    this.fs.rename(log.dir, doomed)
    // From here on the delete has happened: a leftover `-delete` dir is swept at the next start.
    try {
      await this.fs.fsyncDir(path.dirname(log.dir))
    } catch (err) {
      this.logFn?.('warn', 'fsync after deleting a log failed', {
        dir: log.dir,
        error: String(err),
      })
    }
    this.removeInBackground(doomed)
  }

  /** Resolves once the directories of deleted logs are gone from disk. */
  async deletionsDone(): Promise<void> {
    while (this.removals.size > 0) await Promise.all(this.removals)
  }

  /** Replaces a topic's overrides (from AlterConfigs or the topic store at start-up). */
  setTopicConfig(topic: string, overrides: Partial<LogConfig>): void {
    this.topicOverrides.set(topic, { ...overrides })
    for (const log of this.byTopic.get(topic)?.values() ?? []) {
      log.config = { ...this.options.defaults, ...overrides }
    }
  }

  onAppend(listener: (log: PartitionLog) => void): void {
    this.listeners.push(listener)
  }

  /** Called when a storage error takes a log offline. */
  onOffline(listener: (log: PartitionLog) => void): void {
    this.offlineListeners.push(listener)
  }

  async runRetention(): Promise<void> {
    const now = this.clock()
    for (const log of this.each()) log.deleteOldSegments(now)
  }

  /** Writes the recovery-point, log-start-offset and high-watermark checkpoints of every dir. */
  async checkpoint(): Promise<void> {
    for (const dir of this.options.logDirs) {
      const logs = this.all().filter((l) => path.dirname(l.dir) === dir && !l.offline)
      const entries = (f: (l: PartitionLog) => number): CheckpointEntry[] =>
        logs.map((l) => ({ topic: l.topic, partition: l.partition, offset: f(l) }))
      await writeCheckpointFile(
        this.fs,
        path.join(dir, RECOVERY_POINT_CHECKPOINT),
        entries((l) => l.recoveryPoint),
      )
      await writeCheckpointFile(
        this.fs,
        path.join(dir, LOG_START_OFFSET_CHECKPOINT),
        entries((l) => l.logStartOffset),
      )
      await writeCheckpointFile(
        this.fs,
        path.join(dir, REPLICATION_OFFSET_CHECKPOINT),
        entries((l) => l.highWatermark),
      )
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.cleaner.stop()
    for (const t of this.timers) clearInterval(t)
    const failedDirs = new Set<string>()
    const logs = this.all()
    for (const log of logs) if (log.offline) failedDirs.add(path.dirname(log.dir))
    // Checkpoints describe the flushed state: flush first, close files last.
    await Promise.all(
      logs.map(async (log) => {
        if (log.offline) return
        try {
          await log.flush()
        } catch (err) {
          failedDirs.add(path.dirname(log.dir))
          this.logFn?.('error', 'flush at shutdown failed', { dir: log.dir, error: String(err) })
        }
      }),
    )
    await this.checkpoint()
    for (const log of logs) {
      try {
        await log.close()
      } catch (err) {
        failedDirs.add(path.dirname(log.dir))
        this.logFn?.('error', 'close failed', { dir: log.dir, error: String(err) })
      }
    }
    await this.deletionsDone()
    for (const pool of this.pools.values()) pool.close()
    for (const dir of this.options.logDirs) {
      if (!failedDirs.has(dir))
        await writeFileAtomic(this.fs, path.join(dir, CLEAN_SHUTDOWN_MARKER), Buffer.alloc(0))
    }
  }

  private logOptions(topic: string, partition: number, dir: string) {
    return {
      topic,
      partition,
      dir,
      config: { ...this.options.defaults, ...this.topicOverrides.get(topic) },
      fs: this.fs,
      clock: this.clock,
      log: this.logFn,
      highWatermarkFollowsLogEnd: this.options.replicated !== true,
      pool: this.pools.get(path.dirname(dir)),
      onAppend: (log: PartitionLog) => {
        for (const l of this.listeners) l(log)
      },
      onOffline: (log: PartitionLog) => {
        for (const l of this.offlineListeners) l(log)
      },
    }
  }

  private readCheckpoint(dir: string, name: string): Map<string, number> {
    try {
      return readCheckpointFile(this.fs, path.join(dir, name))
    } catch (err) {
      // A damaged checkpoint means "nothing known": recovery then checks everything.
      this.logFn?.('warn', 'ignoring unreadable checkpoint', {
        dir,
        file: name,
        error: String(err),
      })
      return new Map()
    }
  }

  private async loadAll(): Promise<void> {
    const progress = new LoadProgress(this.clock, this.logFn)
    const queues: (() => Promise<void>)[][] = []
    const bootId = currentBootId()
    for (const dir of this.options.logDirs) {
      const queue: (() => Promise<void>)[] = []
      queues.push(queue)
      this.fs.mkdir(dir)
      this.pools.get(dir)?.init()
      const restarted = machineRestarted(dir, bootId)
      const marker = path.join(dir, CLEAN_SHUTDOWN_MARKER)
      const clean = this.fs.exists(marker)
      // Removed before loading: a crash during loading must count as unclean (KAFKA-10471).
      if (clean) {
        this.fs.unlink(marker)
        await this.fs.fsyncDir(dir)
      }
      const recoveryPoints = this.readCheckpoint(dir, RECOVERY_POINT_CHECKPOINT)
      const startOffsets = this.readCheckpoint(dir, LOG_START_OFFSET_CHECKPOINT)
      const highWatermarks = this.readCheckpoint(dir, REPLICATION_OFFSET_CHECKPOINT)
      for (const name of this.fs.readdir(dir)) {
        const full = path.join(dir, name)
        if (name.endsWith('-delete')) {
          this.removeInBackground(full)
          continue
        }
        const m = PARTITION_DIR.exec(name)
        if (m === null) continue
        const topic = m[1]
        const partition = Number(m[2])
        progress.add(logBytes(this.fs, full))
        queue.push(async () => {
          const log = await PartitionLog.load(this.logOptions(topic, partition, full), {
            clean,
            machineRestarted: restarted,
            recoveryPoint: recoveryPoints.get(name) ?? 0,
            logStartOffset: startOffsets.get(name) ?? 0,
            highWatermark: highWatermarks.get(name) ?? 0,
            onBytes: (n) => progress.bytes(n),
          })
          this.put(topic, partition, log)
          progress.partitionDone()
        })
      }
    }
    // Kafka's num.recovery.threads.per.data.dir: that many partitions of a dir load at once (their
    // reads overlap on the thread pool), and the dirs load side by side.
    const perDir = Math.max(1, Math.floor(this.options.recoveryThreadsPerDataDir ?? 1))
    const failures: unknown[] = []
    const worker = async (queue: (() => Promise<void>)[]): Promise<void> => {
      while (failures.length === 0) {
        const job = queue.shift()
        if (job === undefined) return
        try {
          await job()
        } catch (err) {
          failures.push(err)
        }
      }
    }
    const timer = setInterval(() => progress.maybeReport(), PROGRESS_CHECK_MS)
    timer.unref()
    try {
      await Promise.all(
        queues.flatMap((q) => Array.from({ length: Math.min(perDir, q.length) }, () => worker(q))),
      )
    } finally {
      clearInterval(timer)
    }
    // The first failure; the other workers finish the partition they hold and stop.
    if (failures.length > 0) throw failures[0]
    for (const dir of this.options.logDirs) recordBootId(this.fs, dir, bootId)
    progress.summary()
  }

  /** Recursive removal off the event loop; close() waits for it. Failures are only logged. */
  private removeInBackground(dir: string): void {
    const removal = this.fs
      .rmrfAsync(dir)
      .catch((err: unknown) =>
        this.logFn?.('error', 'removing a deleted log directory failed', {
          dir,
          error: String(err),
        }),
      )
      .finally(() => this.removals.delete(removal))
    this.removals.add(removal)
  }

  private startSchedulers(): void {
    const every = (ms: number, fn: () => Promise<void> | void): void => {
      const t = setInterval(() => {
        Promise.resolve()
          .then(fn)
          .catch((err: unknown) =>
            this.logFn?.('error', 'log scheduler task failed', { error: String(err) }),
          )
      }, ms)
      t.unref()
      this.timers.push(t)
    }
    every(this.options.retentionCheckIntervalMs ?? 300_000, () => this.runRetention())
    every(this.options.recoveryPointCheckpointIntervalMs ?? 60_000, () => this.checkpoint())
    every(FLUSH_CHECK_MS, () => {
      const now = this.clock()
      for (const log of this.each()) log.maybeFlushByTime(now)
    })
  }
}
