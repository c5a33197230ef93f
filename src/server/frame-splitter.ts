// Splits a TCP byte stream into Kafka request frames (int32 size, then that many bytes) without
// copying: a frame that lies inside one received chunk is handed out as a subarray of it; only a
// frame that spans chunks is assembled into a buffer. Sizes are checked as soon as the 4
// size bytes arrive, so an oversized frame is refused before its body is buffered.
//
// Assembly buffers are reused when the connection says a frame is no longer referenced
// (recycle): a fresh 1 MiB allocation per produce request lands in cold guest memory, where the
// copy costs ~10x more CPU than into recycled pages (reference/machine-ceilings.md), and churns
// the GC's external-memory accounting.

export class FrameError extends Error {
  constructor(
    message: string,
    readonly declaredSize: number,
  ) {
    super(message)
    this.name = 'FrameError'
  }
}

/** The smallest request: api_key, api_version, correlation_id. */
export const MIN_FRAME_BYTES = 8

/** The error for a declared frame size outside [MIN_FRAME_BYTES, maxFrameBytes], else null. */
export function frameSizeError(
  size: number,
  maxFrameBytes: number,
  minFrameBytes = MIN_FRAME_BYTES,
): FrameError | null {
  if (size < minFrameBytes)
    return new FrameError(
      `request frame of ${size} bytes is below the minimum ${minFrameBytes}`,
      size,
    )
  if (size > maxFrameBytes)
    return new FrameError(
      `request frame of ${size} bytes exceeds socket.request.max.bytes ${maxFrameBytes}`,
      size,
    )
  return null
}

/** Assembly buffers start at this size so typical produce frames fit one reused buffer. */
const MIN_ASSEMBLY_BYTES = 1024 * 1024
/** Larger assembly buffers are not kept for reuse: memory held per idle connection is bounded. */
const MAX_SPARE_BYTES = 16 * 1024 * 1024

export class FrameSplitter {
  private chunks: Buffer[] = []
  /** Read position inside chunks[0]. */
  private offset = 0
  private buffered = 0
  /** Size of the frame being collected, -1 while its size prefix is incomplete. */
  private need = -1
  /** Backing store of the last assembled frame, and a free one ready for reuse. */
  private assembled: Buffer | null = null
  private spare: Buffer | null = null

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
  ) {}

  /** Bytes received but not yet handed out as frames. */
  get pendingBytes(): number {
    return this.buffered
  }

  /** Feeds one received chunk; calls onFrame for every complete frame. Throws FrameError. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) return
        const size = this.readSize()
        const error = frameSizeError(size, this.maxFrameBytes)
        if (error !== null) {
          this.reset()
          throw error
        }
        this.need = size
      }
      if (this.buffered < this.need) return
      const frame = this.take(this.need)
      this.need = -1
      this.onFrame(frame)
    }
  }

  /**
   * The caller is done with `frame` and nothing references its bytes any more: an assembled
   * frame's buffer may then back the next spanning frame.
   */
  recycle(frame: Buffer): void {
    const backing = this.assembled
    if (backing !== null && frame.buffer === backing.buffer && backing.length <= MAX_SPARE_BYTES) {
      this.spare = backing
      this.assembled = null
    }
  }

  reset(): void {
    this.chunks = []
    this.offset = 0
    this.buffered = 0
    this.need = -1
  }

  private readSize(): number {
    const first = this.chunks[0] as Buffer
    if (first.length - this.offset >= 4) {
      const size = first.readInt32BE(this.offset)
      this.consume(4)
      return size
    }
    let size = 0
    for (let i = 0; i < 4; i++) size = (size << 8) | this.takeByte()
    return size
  }

  private takeByte(): number {
    const first = this.chunks[0] as Buffer
    const b = first[this.offset] as number
    this.consume(1)
    return b
  }

  private consume(n: number): void {
    this.offset += n
    this.buffered -= n
    while (this.chunks.length > 0 && this.offset >= (this.chunks[0] as Buffer).length) {
      this.offset -= (this.chunks[0] as Buffer).length
      this.chunks.shift()
    }
  }

  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer
    if (first.length - this.offset >= n) {
      const frame = first.subarray(this.offset, this.offset + n)
      this.consume(n)
      return frame
    }
    // The frame spans chunks: the one place bytes are copied.
    let backing = this.spare
    this.spare = null
    if (backing === null || backing.length < n) {
      backing = Buffer.allocUnsafeSlow(Math.max(n, MIN_ASSEMBLY_BYTES))
    }
    this.assembled = backing
    const frame = backing.subarray(0, n)
    let filled = 0
    while (filled < n) {
      const c = this.chunks[0] as Buffer
      const len = Math.min(c.length - this.offset, n - filled)
      c.copy(frame, filled, this.offset, this.offset + len)
      filled += len
      this.consume(len)
    }
    return frame
  }
}
