// Reads whole batches of a segment file in ~1 MiB preads (the cleaner's input). The current
// batch is buffer[offset, offset + size); the buffer is reused, so copy what must outlive next().
// The preads run on the libuv pool (a segment that is not in the page cache would otherwise
// block the event loop for a disk read per MiB), and the next one starts as soon as a buffer is
// filled, into a second buffer, so reading overlaps the processing of the batches.
import { HEADER_SIZE, LOG_OVERHEAD, MAGIC, batchSize } from '../record-batch.js'
import type { FileSystem } from '../fs.js'

const CHUNK = 1024 * 1024

export class BatchReader {
  buffer = Buffer.allocUnsafe(CHUNK)
  /** Position of the current batch in the file, and in `buffer`. */
  position = 0
  offset = 0
  size = 0
  private bufStart = 0
  private bufLen = 0
  private fd = -1
  private end = 0
  private spare = Buffer.allocUnsafe(CHUNK)
  /** The read into `spare` of what follows the last whole batch of `buffer`. */
  private ahead: { fd: number; pos: number; done: Promise<number> } | null = null

  constructor(private readonly fs: FileSystem) {}

  reset(fd: number, end: number): void {
    this.fd = fd
    this.end = end
    this.position = 0
    this.size = 0
    this.bufStart = 0
    this.bufLen = 0
  }

  /** False at the end of the file or at bytes that are not a whole v2 batch. */
  async next(): Promise<boolean> {
    const pos = this.position + this.size
    if (this.end - pos < HEADER_SIZE) return false
    if (pos + HEADER_SIZE > this.bufStart + this.bufLen) await this.fill(pos, HEADER_SIZE)
    let o = pos - this.bufStart
    const size = batchSize(this.buffer, o)
    if (size < HEADER_SIZE || pos + size > this.end || this.buffer[o + MAGIC] !== 2) return false
    if (pos + size > this.bufStart + this.bufLen) {
      await this.fill(pos, size)
      o = 0
    }
    this.position = pos
    this.offset = o
    this.size = size
    return true
  }

  private async fill(pos: number, need: number): Promise<void> {
    const ahead = this.ahead
    this.ahead = null
    if (ahead !== null) {
      // Even when it is of no use, `spare` is only reused once the read into it has settled.
      const got = await ahead.done
      if (ahead.fd === this.fd && ahead.pos === pos && got >= need) {
        const filled = this.spare
        this.spare = this.buffer
        this.buffer = filled
        this.bufStart = pos
        this.bufLen = got
        this.readAhead()
        return
      }
    }
    if (need > this.buffer.length) this.buffer = Buffer.allocUnsafe(need)
    const want = Math.min(this.buffer.length, this.end - pos)
    let got = 0
    while (got < want) {
      const n = await this.fs.readAsync(this.fd, this.buffer, got, want - got, pos + got)
      if (n <= 0) break
      got += n
    }
    if (got < need) throw Object.assign(new Error('short read of a segment'), { code: 'EIO' })
    this.bufStart = pos
    this.bufLen = got
    this.readAhead()
  }

  /** Starts reading from the end of the last whole batch in `buffer`, where fill() goes next. */
  private readAhead(): void {
    let p = 0
    while (p + LOG_OVERHEAD <= this.bufLen) {
      const size = batchSize(this.buffer, p)
      if (size < HEADER_SIZE || p + size > this.bufLen) break
      p += size
    }
    const pos = this.bufStart + p
    if (p === 0 || pos >= this.end) return
    const length = Math.min(this.spare.length, this.end - pos)
    const done = this.fs.readAsync(this.fd, this.spare, 0, length, pos).catch(() => -1)
    this.ahead = { fd: this.fd, pos, done }
  }
}
