// The background log cleaner (Kafka's LogCleaner/LogCleanerManager with one cleaner thread):
// every log.cleaner.backoff.ms it cleans the compacted logs whose dirty ratio reached
// min.cleanable.dirty.ratio, one at a time, in event-loop slices of a few milliseconds. The end
// of each cleaned range is kept in `cleaner-offset-checkpoint` of the log dir.
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { partitionKey, readCheckpointFile, writeCheckpointFile } from '../checkpoint.js'
import { CleanerAborted, compactLog } from './compactor.js'
import type { CheckpointEntry } from '../checkpoint.js'
import type { FileSystem } from '../fs.js'
import type { PartitionLog } from '../partition-log.js'
import type { CleanStats, SwapStep } from './compactor.js'
import type { LogFn } from '../../log-fn.js'

export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint'
/** Kafka's log.cleaner.backoff.ms default. */
export const DEFAULT_CLEANER_BACKOFF_MS = 15_000
/**
 * Longest run of cleaner work between two yields to the event loop. One loop iteration can run
 * two slices (one resumed by a finished read or write, one by setImmediate), so half of the few
 * milliseconds the loop may be held.
 */
const SLICE_MS = 2

export interface LogCleanerOptions {
  logDirs: string[]
  fs: FileSystem
  clock: () => number
  /** The logs to consider (the LogManager's). */
  logs: () => PartitionLog[]
  backoffMs?: number
  log?: LogFn
}

export interface CleanOptions {
  /** Clean even when the dirty ratio is below min.cleanable.dirty.ratio. */
  force?: boolean
  /** Test hook: throwing simulates a crash at that swap step. */
  onStep?: (step: SwapStep, segmentBase: number) => void
}

export interface DirtyInfo {
  firstDirtyOffset: number
  cleanBytes: number
  dirtyBytes: number
  ratio: number
}

export function isCompacted(log: PartitionLog): boolean {
  return log.config.cleanupPolicy.split(',').includes('compact')
}

export class LogCleaner {
  private readonly checkpoints = new Map<string, number>()
  private readonly aborting = new Set<string>()
  private running: Promise<unknown> = Promise.resolve()
  private timer: NodeJS.Timeout | null = null
  private stopped = false

  constructor(private readonly o: LogCleanerOptions) {}

  /** Reads the cleaner checkpoints of every log dir (a damaged file means "nothing cleaned"). */
  load(): void {
    for (const dir of this.o.logDirs) {
      try {
        const read = readCheckpointFile(this.o.fs, path.join(dir, CLEANER_OFFSET_CHECKPOINT))
        for (const [key, offset] of read) this.checkpoints.set(key, offset)
      } catch (err) {
        this.o.log?.('warn', 'ignoring unreadable cleaner checkpoint', { dir, error: String(err) })
      }
    }
  }

  start(): void {
    if (this.stopped || this.timer !== null) return
    const schedule = (): void => {
      this.timer = setTimeout(() => {
        this.cleanDirtyLogs()
          .catch((err: unknown) =>
            this.o.log?.('error', 'log cleaner round failed', { error: String(err) }),
          )
          .finally(() => {
            if (!this.stopped) schedule()
          })
      }, this.o.backoffMs ?? DEFAULT_CLEANER_BACKOFF_MS)
      this.timer.unref()
    }
    schedule()
  }

  /** Stops the schedule and any pass under way (its `.cleaned` files are removed). */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.running.catch(() => {})
  }

  /** Stops a pass over `log` (the partition is being deleted) and forgets its checkpoint. */
  async abort(log: PartitionLog): Promise<void> {
    const key = partitionKey(log.topic, log.partition)
    this.aborting.add(key)
    try {
      await this.running.catch(() => {})
    } finally {
      this.aborting.delete(key)
      this.checkpoints.delete(key)
    }
  }

  dirtyInfo(log: PartitionLog): DirtyInfo {
    let first = this.checkpoints.get(partitionKey(log.topic, log.partition)) ?? 0
    if (first < log.logStartOffset || first > log.logEndOffset) first = log.logStartOffset
    let cleanBytes = 0
    let dirtyBytes = 0
    for (const seg of log.inactiveSegments()) {
      if (seg.nextOffset <= first) cleanBytes += seg.size
      else dirtyBytes += seg.size
    }
    const total = cleanBytes + dirtyBytes
    return {
      firstDirtyOffset: first,
      cleanBytes,
      dirtyBytes,
      ratio: total > 0 ? dirtyBytes / total : 0,
    }
  }

  /** One round: every compacted log over its dirty ratio, dirtiest first. */
  async cleanDirtyLogs(): Promise<CleanStats[]> {
    const due = this.o
      .logs()
      .filter((l) => isCompacted(l) && !l.offline)
      .map((l) => ({ log: l, info: this.dirtyInfo(l) }))
      .filter((d) => d.info.dirtyBytes > 0 && d.info.ratio >= d.log.config.minCleanableDirtyRatio)
      .sort((a, b) => b.info.ratio - a.info.ratio)
    const out: CleanStats[] = []
    for (const { log } of due) {
      if (this.stopped) break
      const stats = await this.cleanLog(log)
      if (stats !== null) out.push(stats)
    }
    return out
  }

  /** Cleans one log now (one pass at a time across the broker); null when there was nothing to do. */
  cleanLog(log: PartitionLog, options: CleanOptions = {}): Promise<CleanStats | null> {
    const run = this.running.catch(() => {}).then(() => this.doClean(log, options))
    this.running = run
    return run
  }

  private async doClean(log: PartitionLog, options: CleanOptions): Promise<CleanStats | null> {
    const key = partitionKey(log.topic, log.partition)
    if (this.stopped || log.offline || this.aborting.has(key)) return null
    const info = this.dirtyInfo(log)
    if (!options.force && (info.dirtyBytes === 0 || info.ratio < log.config.minCleanableDirtyRatio))
      return null
    const started = performance.now()
    let sliceStart = started
    try {
      const stats = await compactLog(log, info.firstDirtyOffset, {
        fs: this.o.fs,
        now: this.o.clock(),
        onStep: options.onStep,
        aborted: () => this.stopped || this.aborting.has(key) || log.offline,
        tick: async () => {
          if (performance.now() - sliceStart < SLICE_MS) return
          await new Promise<void>((resolve) => setImmediate(resolve))
          sliceStart = performance.now()
        },
      })
      if (stats === null) return null
      this.checkpoints.set(key, stats.endOffset)
      await this.writeCheckpoint(path.dirname(log.dir))
      const ms = performance.now() - started
      this.o.log?.('info', 'cleaned log', {
        topic: log.topic,
        partition: log.partition,
        ...stats,
        ms: Math.round(ms),
        mbPerSec: Math.round((stats.bytesIn / 1e6 / (ms / 1000)) * 10) / 10,
      })
      return stats
    } catch (err) {
      if (err instanceof CleanerAborted) {
        this.o.log?.('info', 'log cleaning stopped', { dir: log.dir, reason: err.message })
        return null
      }
      this.o.log?.('error', 'log cleaning failed', { dir: log.dir, error: String(err) })
      throw err
    }
  }

  private async writeCheckpoint(dir: string): Promise<void> {
    const entries: CheckpointEntry[] = []
    for (const log of this.o.logs()) {
      if (path.dirname(log.dir) !== dir) continue
      const offset = this.checkpoints.get(partitionKey(log.topic, log.partition))
      if (offset !== undefined) entries.push({ topic: log.topic, partition: log.partition, offset })
    }
    await writeCheckpointFile(this.o.fs, path.join(dir, CLEANER_OFFSET_CHECKPOINT), entries)
  }
}
