// One segment: a .log file of record batches plus its offset and time indexes. Reads hand out
// file regions and pin the segment; its fd is closed only once no region is pinned (R6/R9).
import { close as closeInBackground, unlink as unlinkInBackground } from 'node:fs'
import path from 'node:path'
import { FADV, fadvise, fallocate } from '../native/index.js'
import type { BatchScanner } from './batch-scanner.js'
import { OffsetIndex } from './offset-index.js'
import { TimeIndex } from './time-index.js'
import { batchBaseOffset, batchLastOffset, batchMaxTimestamp, batchSize } from './record-batch.js'
import { RecentBatches } from './recent-batches.js'
import type { FileSystem } from './fs.js'
import type { LogConfig } from './log-config.js'
import { EndMarker, RECYCLED_SUFFIX } from './segment-pool.js'
import type { SegmentPool } from './segment-pool.js'

/**
 * Dropping the last reference to a file frees its blocks inside close()/unlink(): 350-670 ms for
 * 1 GiB on an ext4 mounted with `discard`, 0.2 ms for a small file. From this size on a deleted
 * segment does that on the libuv pool instead; smaller ones stay synchronous, so their removal is
 * observable at once. The file's size counts, not the log's: a recycled file holds old bytes
 * past the log's end until it is sealed.
 */
const BACKGROUND_FREE_BYTES = 1024 * 1024

/** The filesystem block: a write that covers only part of one reads it first unless it is cached. */
const BLOCK = 4096
const ZERO_BLOCK = Buffer.alloc(BLOCK)

function ignoreMissing(err: unknown): void {
  if ((err as { code?: unknown }).code !== 'ENOENT') throw err
}

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix
}

export class LogSegment {
  readonly logPath: string
  size: number
  /** Offset after the last batch written here (baseOffset while empty). */
  nextOffset: number
  maxTimestamp = -1
  offsetOfMaxTimestamp: number
  bytesSinceLastIndexEntry = 0
  /** Clock time of the first append (segment.ms counts from there). */
  createdAt: number
  pins = 0
  deleted = false
  /** The file came from the SegmentPool; a `.recycled` marker exists until sealed and flushed. */
  recycled = false
  /**
   * While a recycled file is the active segment, its marker holds the log's end (8 bytes,
   * rewritten after every append): bytes past it are the file's old contents.
   */
  private marker: EndMarker | null = null
  /** The last batches appended while active (null once sealed, and before the first append). */
  recent: RecentBatches | null = null
  /** Read back from the marker at open: where the log ended when the process last wrote it. */
  recycledLogEnd = Infinity
  private sealed = false
  private pool: SegmentPool | undefined
  private fdOpen = true
  /** Set by delete(): dropping the file frees enough blocks to take a while (see above). */
  private freeInBackground = false
  /** seal()'s cut of the bytes past the log's end, run on the thread pool; flush() waits for it. */
  private tailCut: Promise<void> | null = null
  /** The cut has not finished: the fd must stay open (a reused fd number would be cut instead). */
  private cutting = false
  private advisedSequential = false

  private constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
    readonly baseOffset: number,
    readonly fd: number,
    public index: OffsetIndex,
    public timeIndex: TimeIndex,
    size: number,
    now: number,
  ) {
    this.logPath = path.join(dir, segmentFileName(baseOffset, '.log'))
    this.size = size
    this.nextOffset = baseOffset
    this.offsetOfMaxTimestamp = baseOffset
    this.createdAt = now
  }

  static paths(
    dir: string,
    baseOffset: number,
  ): { log: string; index: string; timeIndex: string; recycled: string } {
    return {
      log: path.join(dir, segmentFileName(baseOffset, '.log')),
      index: path.join(dir, segmentFileName(baseOffset, '.index')),
      timeIndex: path.join(dir, segmentFileName(baseOffset, '.timeindex')),
      recycled: path.join(dir, segmentFileName(baseOffset, RECYCLED_SUFFIX)),
    }
  }

  /** A new empty active segment. */
  static create(
    fs: FileSystem,
    dir: string,
    baseOffset: number,
    config: LogConfig,
    now: number,
    pool?: SegmentPool,
  ): LogSegment {
    const p = LogSegment.paths(dir, baseOffset)
    let fd = -1
    let marker: EndMarker | null = null
    if (pool !== undefined && pool.size > 0) {
      // The marker first: a machine crash that kept the rename also kept the marker (metadata
      // of one filesystem is journaled in order). It says "end 0" before the file is taken.
      marker = EndMarker.create(fs, p.recycled)
      fd = pool.take(p.log) ?? -1
      if (fd < 0) {
        marker.close()
        marker = null
        fs.unlink(p.recycled)
      }
    }
    if (fd < 0) {
      fd = fs.open(p.log, 'w+')
      if (config.preallocate) {
        try {
          fallocate(fd, 0, config.segmentBytes)
        } catch {
          // Preallocation is an optimisation; a filesystem without fallocate works without it.
        }
      }
    }
    for (const f of [p.index, p.timeIndex]) if (fs.exists(f)) fs.unlink(f)
    const index = new OffsetIndex(fs, p.index, baseOffset, config.segmentIndexBytes, true, true)
    const timeIndex = new TimeIndex(
      fs,
      p.timeIndex,
      baseOffset,
      config.segmentIndexBytes,
      true,
      true,
    )
    const seg = new LogSegment(fs, dir, baseOffset, fd, index, timeIndex, 0, now)
    seg.pool = pool
    if (marker !== null) {
      seg.recycled = true
      seg.marker = marker
    }
    return seg
  }

  /** An existing segment; `size` is the log bytes to trust (the file may be preallocated). */
  static open(
    fs: FileSystem,
    dir: string,
    baseOffset: number,
    config: LogConfig,
    writable: boolean,
    now: number,
    pool?: SegmentPool,
  ): LogSegment {
    const p = LogSegment.paths(dir, baseOffset)
    const fd = fs.open(p.log, 'r+')
    const size = fs.fstatSize(fd)
    const index = new OffsetIndex(fs, p.index, baseOffset, config.segmentIndexBytes, writable)
    const timeIndex = new TimeIndex(fs, p.timeIndex, baseOffset, config.segmentIndexBytes, writable)
    const seg = new LogSegment(fs, dir, baseOffset, fd, index, timeIndex, size, now)
    seg.pool = pool
    seg.recycled = fs.exists(p.recycled)
    if (seg.recycled && writable) {
      // Still active: its appends go on moving the bound (a crash before the tail is cut
      // must not lose them to a stale one).
      seg.marker = EndMarker.open(fs, p.recycled)
      seg.recycledLogEnd = seg.marker.end()
    } else if (seg.recycled) seg.recycledLogEnd = EndMarker.read(fs, p.recycled)
    seg.sealed = !writable
    return seg
  }

  get isEmpty(): boolean {
    return this.size === 0
  }

  isIndexFull(): boolean {
    return this.index.isFull() || this.timeIndex.isFull()
  }

  /**
   * Writes `buffers` (whole validated batches, offsets assigned) at the end with one gathered
   * pwritev, then indexes them. On a failed write the file is cut back and the error rethrown:
   * nothing of a failed append stays visible.
   */
  append(buffers: readonly Buffer[], total: number, indexIntervalBytes: number): void {
    const start = this.size
    const end = start + total
    // A recycled file has old blocks past the log's end, and the page cache may have dropped
    // them while the file waited in the pool (reclaim). An append that ends inside such a block
    // makes the kernel read it from disk first, on the event loop: 10-50 ms each behind
    // writeback. Filling the rest of the block with zeros (bytes past the end are never data:
    // the marker bounds the log) makes every block a whole-block write. An append ending in the
    // block where the last one ended needs none: that block was padded then.
    const blockEnd = Math.ceil(start / BLOCK) * BLOCK
    const pad = this.marker !== null && end > blockEnd ? (BLOCK - (end % BLOCK)) % BLOCK : 0
    try {
      const iov = pad === 0 ? buffers : [...buffers, ZERO_BLOCK.subarray(0, pad)]
      // FileSystem.pwritev writes everything or throws (the addon loops over short writes).
      if (this.fs.pwritev(this.fd, iov, start) !== total + pad)
        throw Object.assign(new Error('pwritev wrote a partial append'), { code: 'EIO' })
      // Old bytes right after this append could pass for its continuation after a crash: the
      // marker says where the log ends (after the data, so it never claims unwritten bytes).
      this.marker?.write(start + total)
    } catch (err) {
      try {
        this.fs.ftruncate(this.fd, start)
      } catch {
        // The partition goes offline anyway; recovery cuts the torn tail at the next start.
      }
      throw err
    }
    let position = start
    const recent = (this.recent ??= new RecentBatches())
    const now = Date.now()
    for (const buf of buffers) {
      let p = 0
      while (p < buf.length) {
        const size = batchSize(buf, p)
        const lastOffset = batchLastOffset(buf, p)
        this.indexBatch(lastOffset, batchMaxTimestamp(buf, p), position, size, indexIntervalBytes)
        recent.push(batchBaseOffset(buf, p), lastOffset, position, size, now)
        position += size
        p += size
      }
    }
    this.size = position
  }

  /** Index bookkeeping for one batch at `position` (append, recovery and rebuild share it). */
  indexBatch(
    lastOffset: number,
    maxTimestamp: number,
    position: number,
    size: number,
    interval: number,
  ): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp
      this.offsetOfMaxTimestamp = lastOffset
    }
    if (this.bytesSinceLastIndexEntry > interval) {
      this.index.append(lastOffset, position)
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp)
      this.bytesSinceLastIndexEntry = 0
    }
    this.bytesSinceLastIndexEntry += size
    this.nextOffset = lastOffset + 1
  }

  /**
   * Recomputes nextOffset, max timestamp and index bookkeeping by scanning headers from the last
   * offset-index entry (or from 0 with rebuild=true, which also rebuilds both indexes). Returns
   * the position after the last whole batch: bytes beyond it are not a valid batch.
   */
  scan(scanner: BatchScanner, interval: number, rebuild: boolean): number {
    let from = 0
    if (rebuild) this.resetIndexing()
    else if (this.index.entries > 0) {
      from = this.index.positionAt(this.index.entries - 1)
      if (this.timeIndex.entries > 0) {
        this.maxTimestamp = this.timeIndex.lastTimestamp()
        this.offsetOfMaxTimestamp = this.timeIndex.lastOffset()
      }
    }
    this.bytesSinceLastIndexEntry = 0
    this.nextOffset = this.baseOffset
    scanner.reset(this.fd, from, this.size)
    let end = from
    while (scanner.next()) {
      if (rebuild) {
        this.indexBatch(
          scanner.lastOffset,
          scanner.maxTimestamp,
          scanner.position,
          scanner.size,
          interval,
        )
      } else {
        if (scanner.maxTimestamp > this.maxTimestamp) {
          this.maxTimestamp = scanner.maxTimestamp
          this.offsetOfMaxTimestamp = scanner.lastOffset
        }
        // Counting restarts at the indexed batch, as it did when the entry was made.
        this.bytesSinceLastIndexEntry += scanner.size
        this.nextOffset = scanner.lastOffset + 1
      }
      end = scanner.position + scanner.size
    }
    return end
  }

  /** Empties both indexes and the counters derived from the batches (before a rebuild). */
  resetIndexing(): void {
    this.index.reset()
    this.timeIndex.reset()
    this.maxTimestamp = -1
    this.offsetOfMaxTimestamp = this.baseOffset
    this.bytesSinceLastIndexEntry = 0
    this.nextOffset = this.baseOffset
  }

  /** Position of the first batch whose last offset >= offset, or -1 when there is none. */
  findBatch(scanner: BatchScanner, offset: number, limit: number): number {
    scanner.reset(this.fd, this.index.lookup(offset), limit)
    while (scanner.next()) if (scanner.lastOffset >= offset) return scanner.position
    return -1
  }

  /** Becoming inactive: the last max timestamp goes into the time index, indexes are trimmed. */
  seal(): void {
    if (this.timeIndex.writable && this.maxTimestamp >= 0) {
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp)
    }
    // The bytes past the end (a recycled file's old contents, a preallocated tail) are cut off
    // on the thread pool: freeing blocks is a journal transaction, and on the event loop it took
    // 0.1-0.3 ms per roll and 160-200 ms for a 512 MiB tail (bench/log-roll.ts, strace). Until
    // the cut is on disk the marker still bounds a recycled log, reads stop at `size`, and
    // flush() (which moves the recovery point and drops the marker) waits for it.
    if (this.fs.fstatSize(this.fd) > this.size) this.startTailCut()
    this.closeMarker()
    this.recent = null
    this.sealed = true
    this.index.trim()
    this.timeIndex.trim()
  }

  /** Cuts the log at `position` (a batch boundary) and re-derives indexes and counters. */
  truncateAt(scanner: BatchScanner, offset: number, position: number, interval: number): void {
    this.fs.ftruncate(this.fd, position)
    this.recent?.clear()
    this.marker?.write(position)
    this.size = position
    this.index.makeWritable()
    this.timeIndex.makeWritable()
    this.index.truncateTo(offset)
    this.timeIndex.truncateTo(offset)
    this.scan(scanner, interval, true)
  }

  adviseSequential(): void {
    if (this.advisedSequential) return
    this.advisedSequential = true
    try {
      fadvise(this.fd, 0, 0, FADV.SEQUENTIAL)
    } catch {
      // Advice only.
    }
  }

  pin(): void {
    this.pins++
  }

  unpin(): void {
    this.pins--
    if (this.pins === 0 && this.deleted) this.closeFd()
  }

  flush(): Promise<void> {
    const data =
      this.tailCut === null
        ? this.fs.fdatasync(this.fd)
        : this.tailCut.then(() => this.fs.fdatasync(this.fd))
    const synced = Promise.all([this.index.flush(), this.timeIndex.flush(), data]).then(
      () => undefined,
    )
    if (!this.recycled || !this.sealed) return synced
    // Sealed, old bytes cut off, and now on disk: no machine crash can bring old bytes back. The
    // unlink runs on the thread pool (one took 70 ms on the event loop behind a journal commit).
    return synced.then(() => {
      const marker = this.forgetRecycled()
      return marker === null ? undefined : this.fs.unlinkAsync(marker).catch(ignoreMissing)
    })
  }

  /** Forgets that the file was recycled (its old bytes can no longer appear). */
  dropRecycledMarker(): void {
    const marker = this.forgetRecycled()
    if (marker !== null && this.fs.exists(marker)) this.fs.unlink(marker)
  }

  /** Closes the marker and returns its path for removal; null when the file is not recycled. */
  private forgetRecycled(): string | null {
    if (!this.recycled) return null
    this.recycled = false
    this.closeMarker()
    return LogSegment.paths(this.dir, this.baseOffset).recycled
  }

  private startTailCut(): void {
    this.cutting = true
    const cut = this.fs.ftruncateAsync(this.fd, this.size)
    this.tailCut = cut
    const done = (): void => {
      this.cutting = false
    }
    // A failure reaches whoever flushes; the fd is released either way.
    cut.then(done, done)
  }

  close(): void {
    this.closeMarker()
    this.index.close()
    this.timeIndex.close()
    this.index.release()
    this.timeIndex.release()
    if (this.pins === 0) this.closeFd()
    else this.deleted = true
  }

  /**
   * Removes the segment: indexes are unmapped first, files are renamed to `.deleted` and unlinked
   * after file.delete.delay.ms; the log fd stays open while reads still pin it. `flushed` = the
   * data is on disk (below the recovery point), so its pages can be dropped (DONTNEED).
   */
  delete(delayMs: number, flushed: boolean): void {
    if (this.deleted) return
    this.deleted = true
    this.index.release()
    this.timeIndex.release()
    const p = LogSegment.paths(this.dir, this.baseOffset)
    this.closeMarker()
    if (this.recycled && this.fs.exists(p.recycled)) this.fs.unlink(p.recycled)
    // A flush finishing later must not remove the marker of a new segment at the same offset.
    this.recycled = false
    const files: string[] = []
    // Nothing reads the file any more: the pool may keep it, fd and cached pages included (not
    // while seal()'s cut of the tail is still running on it).
    if (this.pins === 0 && !this.cutting && this.pool !== undefined && this.pool.capacity > 0) {
      if (this.pool.adopt(this.fd, p.log, this.fs.fstatSize(this.fd))) this.fdOpen = false
    }
    // DONTNEED only on clean pages: on dirty ones it would start writeback of doomed data.
    // Unlinked now, the pages go with the file anyway: no synchronous fadvise on the event loop.
    if (this.fdOpen && flushed && delayMs > 0) {
      try {
        fadvise(this.fd, 0, 0, FADV.DONTNEED)
      } catch {
        // Advice only.
      }
    }
    for (const f of [p.log, p.index, p.timeIndex]) {
      if (!this.fs.exists(f)) continue
      this.fs.rename(f, f + '.deleted')
      files.push(f + '.deleted')
    }
    // Taken while the fd is open (false when the pool took the file).
    this.freeInBackground = this.fdOpen && this.fs.fstatSize(this.fd) >= BACKGROUND_FREE_BYTES
    const unlink = (background: boolean): void => {
      for (const f of files) {
        // Errors mean already gone (partition directory removed).
        if (background) unlinkInBackground(f, () => {})
        else {
          try {
            this.fs.unlink(f)
          } catch {
            // See above.
          }
        }
      }
    }
    // Immediate: the fd is still open here, so the unlink is cheap and closeFd() frees the blocks.
    if (delayMs <= 0) unlink(false)
    else setTimeout(() => unlink(this.freeInBackground), delayMs).unref()
    if (this.pins === 0) this.closeFd()
  }

  private closeMarker(): void {
    this.marker?.close()
    this.marker = null
  }

  private closeFd(): void {
    if (!this.fdOpen) return
    if (this.cutting) {
      // Runs after startTailCut's own handler has cleared `cutting`.
      const again = (): void => this.closeFd()
      this.tailCut?.then(again, again)
      return
    }
    this.fdOpen = false
    if (this.freeInBackground) closeInBackground(this.fd, () => {})
    else this.fs.close(this.fd)
  }
}
