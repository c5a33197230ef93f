// Where the last batches of the active segment start, kept in memory as they are appended. A
// consumer or follower that keeps up asks for one of them in almost every Fetch; answering from
// here skips the index lookup and the preads of batch headers that a read otherwise costs.

/** Batches remembered per active segment (3 x 8 bytes each). */
const CAPACITY = 256

export class RecentBatches {
  private readonly base = new Float64Array(CAPACITY)
  private readonly last = new Float64Array(CAPACITY)
  private readonly pos = new Float64Array(CAPACITY)
  private head = 0
  /** Batches held, oldest at `head`. */
  count = 0
  /** Position after the newest batch. */
  end = 0

  push(baseOffset: number, lastOffset: number, position: number, size: number): void {
    const slot = (this.head + this.count) % CAPACITY
    if (this.count === CAPACITY) this.head = (this.head + 1) % CAPACITY
    else this.count++
    this.base[slot] = baseOffset
    this.last[slot] = lastOffset
    this.pos[slot] = position
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

  size(i: number): number {
    return (i + 1 < this.count ? this.position(i + 1) : this.end) - this.position(i)
  }
}
