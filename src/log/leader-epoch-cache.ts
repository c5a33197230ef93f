// Kafka's LeaderEpochFileCache: which leader epoch started at which offset of this partition,
// kept in `leader-epoch-checkpoint` in the partition dir (version 0, entry count, then
// `epoch startOffset` lines). Followers ask the leader for the end offset of their last epoch
// (OffsetForLeaderEpoch) and cut off what diverged (KIP-101/279); the leader answers from here.
import path from 'node:path'
import { readWholeFile, writeFileAtomic } from './checkpoint.js'
import type { FileSystem } from './fs.js'

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint'
export const UNDEFINED_EPOCH = -1
export const UNDEFINED_EPOCH_OFFSET = -1

export interface EpochEntry {
  epoch: number
  startOffset: number
}

export function formatEpochCheckpoint(entries: readonly EpochEntry[]): string {
  let text = `0\n${entries.length}\n`
  for (const e of entries) text += `${e.epoch} ${e.startOffset}\n`
  return text
}

/** Parses the checkpoint; throws on a malformed file. */
export function parseEpochCheckpoint(text: string): EpochEntry[] {
  const lines = text.split('\n').filter((l) => l.length > 0)
  if (lines[0] !== '0') throw new Error(`unsupported leader-epoch checkpoint version '${lines[0]}'`)
  const count = Number(lines[1])
  if (!Number.isInteger(count) || count !== lines.length - 2)
    throw new Error(`leader-epoch checkpoint declares ${lines[1]} entries, has ${lines.length - 2}`)
  return lines.slice(2).map((line) => {
    const parts = line.trim().split(/\s+/)
    const epoch = Number(parts[0])
    const startOffset = Number(parts[1])
    if (parts.length !== 2 || !Number.isInteger(epoch) || !Number.isInteger(startOffset))
      throw new Error(`malformed leader-epoch checkpoint line '${line}'`)
    return { epoch, startOffset }
  })
}

export class LeaderEpochCache {
  private epochs: EpochEntry[] = []
  private writing: Promise<void> | null = null
  private dirty = false
  private closed = false
  /** Only replicated logs keep the file; a single node answers from memory (all epoch 0). */
  private persistent = false

  constructor(
    private readonly fs: FileSystem,
    readonly file: string,
    private readonly onError?: (err: unknown) => void,
  ) {}

  /** The cache of a partition dir; a missing or unreadable file is an empty cache. */
  static load(fs: FileSystem, dir: string, onError?: (err: unknown) => void): LeaderEpochCache {
    const cache = new LeaderEpochCache(fs, path.join(dir, LEADER_EPOCH_CHECKPOINT), onError)
    if (!fs.exists(cache.file)) return cache
    try {
      const entries = parseEpochCheckpoint(readWholeFile(fs, cache.file).toString('utf8'))
      for (const e of entries) cache.put(e)
    } catch (err) {
      onError?.(err)
    }
    return cache
  }

  /** Turns the checkpoint file on (writing the current entries) or off. */
  setPersistent(on: boolean): void {
    if (on === this.persistent) return
    this.persistent = on
    if (on) this.persist()
  }

  get isPersistent(): boolean {
    return this.persistent
  }

  entries(): readonly EpochEntry[] {
    return this.epochs
  }

  get latestEpoch(): number {
    return this.epochs.length === 0 ? UNDEFINED_EPOCH : this.epochs[this.epochs.length - 1].epoch
  }

  /** Start offset of the latest epoch, -1 when empty. */
  get latestStartOffset(): number {
    return this.epochs.length === 0
      ? UNDEFINED_EPOCH_OFFSET
      : this.epochs[this.epochs.length - 1].startOffset
  }

  /** Records that `epoch` starts at `startOffset`; a no-op for the current epoch (hot path). */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || startOffset < 0) return false
    const last = this.epochs[this.epochs.length - 1]
    if (last !== undefined && last.epoch === epoch && last.startOffset <= startOffset) return false
    this.put({ epoch, startOffset })
    this.persist()
    return true
  }

  /**
   * Kafka's endOffsetFor: the largest epoch <= requested and the start offset of the first
   * epoch after it (the log end offset when the requested epoch is the latest). Unknown (-1, -1)
   * when the cache is empty, the request is -1 or newer than every epoch known here.
   */
  endOffsetFor(requested: number, logEndOffset: number): EpochEntry {
    const undefinedAnswer = { epoch: UNDEFINED_EPOCH, startOffset: UNDEFINED_EPOCH_OFFSET }
    if (requested === UNDEFINED_EPOCH || this.epochs.length === 0) return undefinedAnswer
    if (this.latestEpoch === requested) return { epoch: requested, startOffset: logEndOffset }
    const higher = this.epochs.findIndex((e) => e.epoch > requested)
    if (higher < 0) return undefinedAnswer
    const next = this.epochs[higher]
    if (higher === 0) return { epoch: requested, startOffset: next.startOffset }
    return { epoch: this.epochs[higher - 1].epoch, startOffset: next.startOffset }
  }

  /** Drops the epochs that start at or after endOffset (the log was truncated to it). */
  truncateFromEnd(endOffset: number): void {
    if (endOffset < 0 || this.latestStartOffset < endOffset) return
    this.epochs = this.epochs.filter((e) => e.startOffset < endOffset)
    this.persist()
  }

  /** The log now starts at startOffset: the epoch covering it starts there, older ones go. */
  truncateFromStart(startOffset: number): void {
    let floor = -1
    for (let i = 0; i < this.epochs.length && this.epochs[i].startOffset <= startOffset; i++)
      floor = i
    if (floor < 0 || (floor === 0 && this.epochs[0].startOffset === startOffset)) return
    const kept = this.epochs.slice(floor)
    kept[0] = { epoch: kept[0].epoch, startOffset }
    this.epochs = kept
    this.persist()
  }

  /** Empties the cache (the log was wiped and restarts elsewhere). */
  clear(): void {
    if (this.epochs.length === 0) return
    this.epochs = []
    this.persist()
  }

  /** Resolves once every change so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing
  }

  /** Waits for pending writes; later changes stay in memory only. */
  async close(): Promise<void> {
    await this.flush()
    this.closed = true
  }

  /** Kafka's assign: the new entry replaces every entry it is not strictly after. */
  private put(entry: EpochEntry): void {
    while (this.epochs.length > 0) {
      const last = this.epochs[this.epochs.length - 1]
      if (last.epoch < entry.epoch && last.startOffset < entry.startOffset) break
      this.epochs.pop()
    }
    this.epochs.push(entry)
  }

  /** tmp + fsync + rename, one write at a time; changes during a write cause one more. */
  private persist(): void {
    if (this.closed || !this.persistent) return
    this.dirty = true
    if (this.writing !== null) return
    this.writing = (async () => {
      while (this.dirty && !this.closed) {
        this.dirty = false
        const text = formatEpochCheckpoint(this.epochs)
        try {
          await writeFileAtomic(this.fs, this.file, Buffer.from(text, 'utf8'))
        } catch (err) {
          this.onError?.(err)
        }
      }
    })().finally(() => {
      this.writing = null
    })
  }
}
