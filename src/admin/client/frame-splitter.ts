// Splits a TCP byte stream into Kafka's size-prefixed frames. A frame that lies inside one read is
// handed out as a view of that read (no copy); a frame straddling reads is joined once, when its
// last byte has arrived, so a large response spread over many reads is not re-copied per read.

export class FrameSplitter {
  private chunks: Buffer[] = []
  private buffered = 0
  private stopped = false

  constructor(
    private readonly onFrame: (frame: Buffer) => void,
    private readonly onError: (err: Error) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.stopped) return
    let buf = chunk
    if (this.chunks.length > 0) {
      this.chunks.push(chunk)
      this.buffered += chunk.length
      if (!this.frameComplete()) return
      buf = Buffer.concat(this.chunks, this.buffered)
      this.chunks = []
      this.buffered = 0
    }
    let pos = 0
    while (buf.length - pos >= 4) {
      const size = buf.readInt32BE(pos)
      if (size < 0) {
        this.stop()
        this.onError(new Error(`invalid frame size ${size}`))
        return
      }
      if (buf.length - pos - 4 < size) break
      const frame = buf.subarray(pos + 4, pos + 4 + size)
      pos += 4 + size
      this.onFrame(frame)
      if (this.stopped) return
    }
    if (pos < buf.length) {
      this.chunks = [buf.subarray(pos)]
      this.buffered = buf.length - pos
    }
  }

  /** Drops what is buffered and ignores further input (the connection is gone). */
  stop(): void {
    this.stopped = true
    this.chunks = []
    this.buffered = 0
  }

  private frameComplete(): boolean {
    if (this.buffered < 4) return false
    // The size prefix itself may straddle reads; that is rare and only a few bytes.
    if ((this.chunks[0] as Buffer).length < 4) this.chunks = [Buffer.concat(this.chunks)]
    return this.buffered >= 4 + (this.chunks[0] as Buffer).readInt32BE(0)
  }
}
