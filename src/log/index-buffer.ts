// The entries of an active (writable) index, held in memory and written to the file in one
// positional write at flush or seal. Writing entries through a shared mmap made the first store
// into each page (and into each page cleaned by writeback) a page fault that enters the
// filesystem (ext4's page_mkwrite updates the file time through the journal): measured here,
// 50-100 ms stalls of the event loop while a journal commit ran. A buffer the process owns
// never faults into the filesystem, and recovery rebuilds an active index after a crash anyway.
// The cleaner builds the indexes of its `.cleaned` segments in the same buffer.
import type { FileSystem } from './fs.js'

/** The reads and writes the offset and time indexes make (a MappedFile offers the same). */
export interface IndexStore {
  readUInt32BE(offset: number): number
  writeUInt32BE(offset: number, value: number): void
  readInt64BE(offset: number): number
  writeInt64BE(offset: number, value: number): void
}

const TWO_32 = 2 ** 32
const INITIAL_BYTES = 4096

export class IndexBuffer implements IndexStore {
  private buf: Buffer
  private view: DataView
  /** Bytes from here on differ from the file (or are not in it). */
  private dirtyFrom: number

  /** `initial`: the file's current bytes (the file holds exactly them). */
  constructor(
    private readonly maxBytes: number,
    initial?: Buffer,
  ) {
    this.buf = Buffer.alloc(Math.min(INITIAL_BYTES, Math.max(maxBytes, 8)))
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length)
    if (initial !== undefined) {
      this.room(0, initial.length)
      initial.copy(this.buf)
    }
    this.dirtyFrom = initial?.length ?? 0
  }

  readUInt32BE(offset: number): number {
    return this.view.getUint32(offset)
  }

  readInt64BE(offset: number): number {
    return this.view.getInt32(offset) * TWO_32 + this.view.getUint32(offset + 4)
  }

  writeUInt32BE(offset: number, value: number): void {
    this.room(offset, 4)
    this.view.setUint32(offset, value)
  }

  writeInt64BE(offset: number, value: number): void {
    this.room(offset, 8)
    const high = Math.floor(value / TWO_32)
    this.view.setInt32(offset, high)
    this.view.setUint32(offset + 4, value - high * TWO_32)
  }

  /** The first `bytes` bytes (a view: valid until the next write grows the buffer). */
  prefix(bytes: number): Buffer {
    return this.buf.subarray(0, bytes)
  }

  /**
   * Makes the file hold exactly the first `bytes` bytes: writes what changed (one pwritev, small)
   * and cuts what was dropped. Synchronous; the caller fdatasyncs off the event loop.
   */
  writeTo(fs: FileSystem, fd: number, bytes: number, fileBytes: number): void {
    if (this.dirtyFrom < bytes) {
      const from = this.dirtyFrom
      fs.pwritev(fd, [this.buf.subarray(from, bytes)], from)
    }
    if (fileBytes > bytes) fs.ftruncate(fd, bytes)
    this.dirtyFrom = bytes
  }

  private room(offset: number, length: number): void {
    const end = offset + length
    if (end > this.buf.length) {
      let size = this.buf.length
      while (size < end) size *= 2
      const grown = Buffer.alloc(Math.max(Math.min(size, this.maxBytes), end))
      this.buf.copy(grown)
      this.buf = grown
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.length)
    }
    if (offset < this.dirtyFrom) this.dirtyFrom = offset
  }
}
