// Kafka request framing (int32 size, then that many bytes) over a connection-owned read buffer:
// the socket reads straight into it (net.Socket `onread`), and frames are handed out as
// subarrays of it, valid only until the callback returns (the next read overwrites them).
//
// Why: a Node server socket otherwise reads into a fresh 64 KiB ArrayBuffer per read. At produce
// rates that is thousands of allocations per second, all counted as external memory, and V8
// answers with a Mark-Compact every 64 MB received (measured: ~1 CPU-s/GB of GC threads). One
// reused buffer also keeps the received bytes in warm pages, and a frame that spans reads needs
// no assembly copy: the reads land where the frame belongs.

import { frameSizeError } from './frame-splitter.js'

const INITIAL_BYTES = 256 * 1024
/** A buffer grown beyond this for one huge frame is given back once it is consumed. */
const MAX_RETAINED_BYTES = 16 * 1024 * 1024
/**
 * For frames at least this large a read stops at the frame's end, so the next frame starts at
 * the buffer's start and the partial tail never has to be moved. Smaller frames are read
 * greedily (pipelined small requests arrive in one read); moving their tails is cheap.
 */
const CUT_AT_FRAME_BYTES = 64 * 1024

export class FrameReader {
  private buf: Buffer
  /** First byte not yet handed out (a size prefix or frame body). */
  private start = 0
  /** End of the bytes received. */
  private end = 0
  /** Body size of the frame at start + 4, -1 while its size prefix is incomplete. */
  private need = -1

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
    initialBytes = INITIAL_BYTES,
    /** Requests are at least 8 bytes; a client reading responses allows 4 (correlation id). */
    private readonly minFrameBytes?: number,
  ) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(initialBytes, 64))
  }

  /** Bytes received but not yet handed out as frames. */
  get pendingBytes(): number {
    return this.end - this.start
  }

  get capacity(): number {
    return this.buf.length
  }

  /** Where the next read must land; never empty. */
  readBuffer(): Buffer {
    if (this.need >= CUT_AT_FRAME_BYTES)
      return this.buf.subarray(this.end, this.start + 4 + this.need)
    return this.buf.subarray(this.end)
  }

  /**
   * `n` bytes were written at the start of the last readBuffer(). Calls onFrame for every
   * complete frame; a frame's bytes are reused after onFrame returns. Throws FrameError.
   */
  received(n: number): void {
    this.end += n
    const buf = this.buf
    for (;;) {
      const avail = this.end - this.start
      if (this.need < 0) {
        if (avail < 4) break
        const size = buf.readInt32BE(this.start)
        const error = frameSizeError(size, this.maxFrameBytes, this.minFrameBytes)
        if (error !== null) {
          this.reset()
          throw error
        }
        this.need = size
      }
      if (avail < 4 + this.need) break
      const from = this.start + 4
      const frame = buf.subarray(from, from + this.need)
      this.start = from + this.need
      this.need = -1
      this.onFrame(frame)
      // onFrame may have reset the reader (connection closing); buf is then stale.
      if (this.buf !== buf) return
    }
    this.makeRoom()
  }

  /** Drops everything buffered (connection closing) and gives back an oversized buffer. */
  reset(): void {
    this.start = 0
    this.end = 0
    this.need = -1
    if (this.buf.length > MAX_RETAINED_BYTES) this.buf = Buffer.allocUnsafeSlow(INITIAL_BYTES)
  }

  /** Ensures the frame being collected fits between start and the buffer's end. */
  private makeRoom(): void {
    if (this.start === this.end) {
      this.start = 0
      this.end = 0
      if (this.buf.length > MAX_RETAINED_BYTES) this.buf = Buffer.allocUnsafeSlow(INITIAL_BYTES)
      return
    }
    const required = this.need < 0 ? 4 : 4 + this.need
    if (this.start + required <= this.buf.length && this.end < this.buf.length) return
    const pending = this.end - this.start
    if (required <= this.buf.length && pending < this.buf.length) {
      this.buf.copyWithin(0, this.start, this.end)
    } else {
      const grown = Buffer.allocUnsafeSlow(nextPowerOfTwo(required + 1))
      this.buf.copy(grown, 0, this.start, this.end)
      this.buf = grown
    }
    this.start = 0
    this.end = pending
  }
}

function nextPowerOfTwo(n: number): number {
  let p = 64
  while (p < n) p *= 2
  return p
}
