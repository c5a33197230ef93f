// Walks batch headers of a segment file without reading the records: one pread fills a chunk
// that usually holds many headers. One scanner object is reused; fields describe the current batch.
import {
  HEADER_SIZE,
  MAGIC,
  batchAttributes,
  batchBaseOffset,
  batchBaseSequence,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchProducerEpoch,
  batchProducerId,
  batchSize,
} from './record-batch.js'
import type { FileSystem } from './fs.js'

const CHUNK = 32 * 1024

export class BatchScanner {
  private readonly buf = Buffer.allocUnsafe(CHUNK)
  private bufStart = 0
  private bufLen = 0
  private fd = -1
  private end = 0
  position = 0
  size = 0
  baseOffset = 0
  lastOffset = 0
  maxTimestamp = 0
  attributes = 0
  producerId = -1
  producerEpoch = -1
  baseSequence = -1

  constructor(private readonly fs: FileSystem) {}

  /** Starts a scan of fd's bytes [position, end); call next() for each batch. */
  reset(fd: number, position: number, end: number): void {
    this.fd = fd
    this.end = end
    this.position = position
    this.size = 0
    this.bufLen = 0
  }

  /** Moves to the next batch; false at the end or at a header that does not fit (torn tail). */
  next(): boolean {
    const pos = this.position + this.size
    if (this.end - pos < HEADER_SIZE) return false
    if (pos < this.bufStart || pos + HEADER_SIZE > this.bufStart + this.bufLen) {
      this.bufStart = pos
      this.bufLen = this.fs.read(this.fd, this.buf, 0, Math.min(CHUNK, this.end - pos), pos)
      if (this.bufLen < HEADER_SIZE) return false
    }
    const o = pos - this.bufStart
    const size = batchSize(this.buf, o)
    if (size < HEADER_SIZE || pos + size > this.end || this.buf[o + MAGIC] !== 2) return false
    this.position = pos
    this.size = size
    this.baseOffset = batchBaseOffset(this.buf, o)
    this.lastOffset = this.baseOffset + batchLastOffsetDelta(this.buf, o)
    this.maxTimestamp = batchMaxTimestamp(this.buf, o)
    this.attributes = batchAttributes(this.buf, o)
    this.producerId = batchProducerId(this.buf, o)
    this.producerEpoch = batchProducerEpoch(this.buf, o)
    this.baseSequence = batchBaseSequence(this.buf, o)
    return true
  }
}
