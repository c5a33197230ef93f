// Where the last batches of the active segment start, kept in memory as they are appended. A
// consumer or follower that keeps up asks for one of them in almost every Fetch; answering from
// here skips the index lookup and the preads of batch headers that a read otherwise costs.

/** Batches remembered per active segment (4 x 8 bytes each). */
const CAPACITY = 256

/**
 * Bytes appended this recently count as page-cached: a tailing consumer's fetch of them can be
 * sent from the event loop without risking a disk read there. Far below the minute of idleness
 * after which this VM's DAMON reclaims page cache.
 */
const RECENT_MS = 10_000

export class RecentBatches {
  private readonly base = new Float64Array(CAPACITY)
  private readonly last = new Float64Array(CAPACITY)
  private readonly pos = new Float64Array(CAPACITY)
  private readonly at = new Float64Array(CAPACITY)
  private head = 0
  /** Batches held, oldest at `head`. */
  count = 0
  /** Position after the newest batch. */
  end = 0

  /** `now`: the clock time of the append (Date.now()). */
  push(baseOffset: number, lastOffset: number, position: number, size: number, now: number): void {
    const slot = (this.head + this.count) % CAPACITY
    if (this.count === CAPACITY) this.head = (this.head + 1) % CAPACITY
    else this.count++
    this.base[slot] = baseOffset
    this.last[slot] = lastOffset
    this.pos[slot] = position
    this.at[slot] = now
    this.end = position + size
  }

  clear(): void {
    this.head = 0
    this.count = 0
  }

  /**
   * Index (0 = oldest held) of the first batch whose last offset >= offset, or -1 when that batch
   * may be older than the ones held or there is none.
   */
  find(offset: number): number {
    if (this.count === 0 || offset < this.baseOffset(0)) return -1
    let lo = 0
    let hi = this.count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.lastOffset(mid) >= offset) hi = mid
      else lo = mid + 1
    }
    return lo < this.count ? lo : -1
  }

  baseOffset(i: number): number {
    return this.base[(this.head + i) % CAPACITY] as number
  }

  lastOffset(i: number): number {
    return this.last[(this.head + i) % CAPACITY] as number
  }

  position(i: number): number {
    return this.pos[(this.head + i) % CAPACITY] as number
  }

  /** Whether batch i was appended within RECENT_MS of `now` (so its pages are cached). */
  isRecent(i: number, now: number): boolean {
    return (this.at[(this.head + i) % CAPACITY] as number) >= now - RECENT_MS
  }

  size(i: number): number {
    return (i + 1 < this.count ? this.position(i + 1) : this.end) - this.position(i)
  }
}
