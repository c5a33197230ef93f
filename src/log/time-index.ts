// Time index: 12-byte entries (i64 max timestamp so far, u32 relative offset of the batch that
// reached it). Timestamps strictly increase from entry to entry.
import { MappedIndex } from './mapped-index.js'
import type { IndexArgs } from './mapped-index.js'

const ENTRY = 12

export class TimeIndex extends MappedIndex {
  constructor(...args: IndexArgs) {
    super(ENTRY, ...args)
  }

  private readonly tsAt = (i: number): number => this.mapped().readInt64BE(i * ENTRY)

  timestampAt(i: number): number {
    return this.tsAt(i)
  }

  offsetAt(i: number): number {
    return this.baseOffset + this.mapped().readUInt32BE(i * ENTRY + 8)
  }

  lastTimestamp(): number {
    return this.entries === 0 ? -1 : this.tsAt(this.entries - 1)
  }

  /** Adds (timestamp, offset) when the timestamp is newer than the last entry's. */
  maybeAppend(timestamp: number, offset: number): void {
    if (!this.hasRoom()) return
    if (this.entries > 0 && (timestamp <= this.lastTimestamp() || offset < this.lastOffset()))
      return
    const m = this.mapped()
    m.writeInt64BE(this.entries * ENTRY, timestamp)
    m.writeUInt32BE(this.entries * ENTRY + 8, offset - this.baseOffset)
    this.entries++
  }

  /** Offset of the greatest entry with timestamp <= target (the segment base when none). */
  lookup(target: number): number {
    const i = this.search(target, this.tsAt)
    return i < 0 ? this.baseOffset : this.offsetAt(i)
  }

  /** Drops every entry for an offset >= offset (offsets are monotonic too). */
  truncateTo(offset: number): void {
    let n = this.entries
    while (n > 0 && this.offsetAt(n - 1) >= offset) n--
    this.entries = n
  }

  /** Trailing zero entries are unused preallocation; the rest must be monotonic and in the log. */
  sanityCheck(nextOffset: number, full: boolean): boolean {
    if (this.corrupt) return false
    this.dropUnusedTail((i) => this.tsAt(i) === 0 && this.offsetAt(i) === this.baseOffset)
    let prevTs = -Infinity
    let prevOff = -1
    for (let i = full ? 0 : Math.max(0, this.entries - 2); i < this.entries; i++) {
      const ts = this.tsAt(i)
      const off = this.offsetAt(i)
      if (ts <= prevTs || off < prevOff || off >= nextOffset) return false
      prevTs = ts
      prevOff = off
    }
    return true
  }
}
