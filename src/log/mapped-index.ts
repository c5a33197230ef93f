// Common part of the offset and time indexes: a file of fixed-size entries. While its segment is
// active the entries live in memory (index-buffer.ts) and reach the file at flush and seal; a
// sealed index is mmap'd read-only. Rule: the mapping is always unmapped before the file changes
// size or is deleted (SIGBUS).
import { constants as fsConstants } from 'node:fs'
import { MappedFile } from '../native/index.js'
import { IndexBuffer } from './index-buffer.js'
import type { IndexStore } from './index-buffer.js'
import type { FileSystem } from './fs.js'

/** Kafka searches the last 8 KiB of an index first: recent lookups stay in hot pages. */
const WARM_BYTES = 8192

/** What the offset and time indexes are opened with (their constructors' parameters). */
export type IndexArgs = [
  fs: FileSystem,
  path: string,
  baseOffset: number,
  maxIndexBytes: number,
  writable: boolean,
  /**
   * A new segment's index whose file does not exist yet: it is created on the thread pool (an
   * open(O_CREAT) took 0.3-0.5 ms on the event loop per file, and can wait behind a journal
   * commit), while entries go to memory as always. Whatever needs the file before that open has
   * finished (seal, flush) opens it itself.
   */
  createInBackground?: boolean,
]

/** open(2) flags that create the file but never truncate it: two racing opens agree. */
const CREATE_RDWR = fsConstants.O_RDWR | fsConstants.O_CREAT

export abstract class MappedIndex {
  protected map: MappedFile | null = null
  /** The active index's entries: set exactly while writable; the file lags until flush or seal. */
  private memory: IndexBuffer | null = null
  /** Bytes in the file while writable. */
  private fileBytes = 0
  protected fd = -1
  /**
   * The background open of a new index's file while it runs. Whoever needs the file first opens
   * it and clears this: the background fd, when it comes, is then closed unused.
   */
  private pendingOpen: Promise<number> | null = null
  /**
   * The fdatasync started when the index was trimmed (its fd closes when it ends). Index writes
   * reach the disk through fdatasync on the thread pool, never msync(MS_SYNC) on the event loop:
   * an msync waits for the disk, and every request of the broker would wait with it.
   */
  private syncing: Promise<void> | null = null
  entries = 0
  maxEntries: number
  /** True when the file was not a whole number of entries: the caller rebuilds it. */
  corrupt = false

  constructor(
    protected readonly entrySize: number,
    protected readonly fs: FileSystem,
    public path: string,
    readonly baseOffset: number,
    maxIndexBytes: number,
    writable: boolean,
    createInBackground = false,
  ) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / entrySize))
    if (writable && createInBackground) {
      this.openInBackground()
      return
    }
    let size = 0
    if (fs.exists(path)) size = fs.statSize(path)
    if (size % entrySize !== 0) {
      this.corrupt = true
      size -= size % entrySize
    }
    this.entries = size / entrySize
    if (writable) this.openWritable()
    else this.openReadOnly()
  }

  get writable(): boolean {
    return this.memory !== null
  }

  isFull(): boolean {
    return this.entries >= this.maxEntries
  }

  private openInBackground(): void {
    this.fileBytes = 0
    this.memory = new IndexBuffer(this.maxEntries * this.entrySize)
    const pending = this.fs.openAsync(this.path, CREATE_RDWR)
    this.pendingOpen = pending
    pending.then(
      (fd) => {
        if (this.pendingOpen === pending) {
          this.pendingOpen = null
          this.fd = fd
        } else this.closeQuietly(fd)
      },
      () => {
        // The file is then opened (and any lasting error reported) where it is first needed.
        if (this.pendingOpen === pending) this.pendingOpen = null
      },
    )
  }

  /** The file's fd, opened here when the background open has not finished (or failed). */
  private fileFd(): number {
    if (this.fd >= 0) return this.fd
    this.pendingOpen = null
    this.fd = this.fs.open(this.path, this.fs.exists(this.path) ? 'r+' : 'w+')
    return this.fd
  }

  private closeQuietly(fd: number): void {
    try {
      this.fs.close(fd)
    } catch {
      // Closing only fails for an fd that is already gone.
    }
  }

  private openWritable(): void {
    this.fileBytes = this.fs.fstatSize(this.fileFd())
    const existing = Buffer.alloc(this.entries * this.entrySize)
    let got = 0
    while (got < existing.length) {
      const n = this.fs.read(this.fd, existing, got, existing.length - got, got)
      if (n <= 0) break
      got += n
    }
    // A smaller segment.index.bytes never cuts existing entries.
    const max = Math.max(this.maxEntries, this.entries) * this.entrySize
    this.memory = new IndexBuffer(max, existing.subarray(0, got))
  }

  private openReadOnly(): void {
    if (this.entries === 0) return
    const fd = this.fs.open(this.path, 'r')
    try {
      this.map = MappedFile.map(fd, this.entries * this.entrySize, { writable: false })
    } finally {
      this.fs.close(fd)
    }
  }

  /** Absolute offset of entry i. */
  abstract offsetAt(i: number): number

  lastOffset(): number {
    return this.entries === 0 ? this.baseOffset : this.offsetAt(this.entries - 1)
  }

  /** False when the index is full (the entry is skipped); throws on a read-only index. */
  protected hasRoom(): boolean {
    // Writing through a read-only mapping would kill the process: refuse instead.
    if (!this.writable) throw new Error(`index ${this.path} is read-only`)
    return !this.isFull()
  }

  /** Drops trailing entries a crash left unused (still zero) in a preallocated index. */
  protected dropUnusedTail(isUnused: (i: number) => boolean): void {
    while (this.entries > 0 && isUnused(this.entries - 1)) this.entries--
  }

  protected mapped(): IndexStore {
    if (this.memory !== null) return this.memory
    if (this.map === null) throw new Error(`index ${this.path} is not mapped`)
    return this.map
  }

  /** Empties the index (the caller rebuilds it from the log). */
  reset(): void {
    this.entries = 0
    this.corrupt = false
    if (!this.writable) {
      this.unmap()
      this.fd = this.fs.open(this.path, 'w+')
    }
    this.fileBytes = this.fs.fstatSize(this.fileFd())
    this.memory = new IndexBuffer(this.maxEntries * this.entrySize)
  }

  /** Reopens a trimmed index for appending (the segment became active again after load). */
  makeWritable(): void {
    if (this.writable) return
    this.unmap()
    this.openWritable()
  }

  /** The file gets exactly the entries held in memory (page cache; fdatasync is separate). */
  private writeEntries(): void {
    const bytes = this.entries * this.entrySize
    this.memory?.writeTo(this.fs, this.fileFd(), bytes, this.fileBytes)
    this.fileBytes = bytes
  }

  /**
   * Writes the entries to the file, cut to its real size, and maps it read-only. The fdatasync
   * started here runs on the thread pool (flush() waits for it): no disk wait on the event loop.
   */
  trim(): void {
    if (!this.writable) return
    this.writeEntries()
    this.memory = null
    const fd = this.fd
    this.fd = -1
    const synced = this.fs.fdatasync(fd)
    this.syncing = synced.finally(() => this.closeQuietly(fd))
    // A failure is reported by the flush() that waits for it; unobserved it is only dropped.
    this.syncing.catch(() => undefined)
    this.openReadOnly()
  }

  /** Writes the entries to the file and fdatasyncs it off the event loop. */
  flush(): Promise<void> {
    if (!this.writable) return this.syncing ?? Promise.resolve()
    try {
      this.writeEntries()
    } catch (err) {
      return Promise.reject(err as Error)
    }
    return this.fs.fdatasync(this.fileFd())
  }

  close(): void {
    this.trim()
    this.unmap()
  }

  private unmap(): void {
    this.map?.unmap()
    this.map = null
  }

  /** Unmaps and closes without writing; the file itself is left to the caller (rename/unlink). */
  release(): void {
    this.unmap()
    this.memory = null
    this.pendingOpen = null
    if (this.fd >= 0) this.fs.close(this.fd)
    this.fd = -1
  }

  /**
   * Index of the last entry whose key is <= target, or -1. Kafka's warm-section search: the
   * last 8 KiB of entries are searched first, the rest only for old keys.
   */
  protected search(target: number, keyAt: (i: number) => number): number {
    const n = this.entries
    if (n === 0 || keyAt(0) > target) return -1
    const warm = Math.floor(WARM_BYTES / this.entrySize)
    const firstHot = Math.max(0, n - 1 - warm)
    let lo: number
    let hi: number
    if (keyAt(firstHot) <= target) {
      lo = firstHot
      hi = n - 1
    } else {
      lo = 0
      hi = firstHot
    }
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2)
      if (keyAt(mid) <= target) lo = mid
      else hi = mid - 1
    }
    return lo
  }
}
