// Sparse offset index: 8-byte entries (u32 offset relative to the segment base, u32 position).
import { MappedIndex } from './mapped-index.js'
import type { IndexArgs } from './mapped-index.js'

const ENTRY = 8

export class OffsetIndex extends MappedIndex {
  constructor(...args: IndexArgs) {
    super(ENTRY, ...args)
  }

  private readonly relAt = (i: number): number => this.mapped().readUInt32BE(i * ENTRY)

  offsetAt(i: number): number {
    return this.baseOffset + this.relAt(i)
  }

  positionAt(i: number): number {
    return this.mapped().readUInt32BE(i * ENTRY + 4)
  }

  /** Adds an entry unless it would not be strictly after the last one. */
  append(offset: number, position: number): void {
    if (!this.hasRoom()) return
    if (this.entries > 0 && offset <= this.lastOffset()) return
    const m = this.mapped()
    m.writeUInt32BE(this.entries * ENTRY, offset - this.baseOffset)
    m.writeUInt32BE(this.entries * ENTRY + 4, position)
    this.entries++
  }

  /** File position of the greatest indexed offset <= target (0 when none): where a scan starts. */
  lookup(target: number): number {
    const i = this.search(target - this.baseOffset, this.relAt)
    return i < 0 ? 0 : this.positionAt(i)
  }

  /** Drops every entry for an offset >= offset. */
  truncateTo(offset: number): void {
    const i = this.search(offset - this.baseOffset, this.relAt)
    if (i < 0) this.entries = 0
    else this.entries = this.offsetAt(i) === offset ? i : i + 1
  }

  /**
   * Drops trailing unused (all-zero) entries left by a crash of a preallocated index, then checks
   * that offsets and positions strictly increase and stay inside the log. False = rebuild.
   */
  sanityCheck(logSize: number, full: boolean): boolean {
    if (this.corrupt) return false
    this.dropUnusedTail((i) => this.relAt(i) === 0 && this.positionAt(i) === 0)
    let prevRel = -1
    let prevPos = -1
    // Kafka only checks the last entry of old segments; the active one is checked in full.
    for (let i = full ? 0 : Math.max(0, this.entries - 2); i < this.entries; i++) {
      const rel = this.relAt(i)
      const pos = this.positionAt(i)
      if (rel <= prevRel || pos <= prevPos || pos >= logSize) return false
      prevRel = rel
      prevPos = pos
    }
    return true
  }
}
