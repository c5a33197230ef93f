// Writer for Kafka's wire primitives producing a list of chunks for one gathered socket write.
//
// Small fields go into a scratch buffer; the bytes written since the last chunk boundary become a
// chunk (a subarray of the scratch, never copied) when a file region or a large buffer is
// appended, when the scratch runs out, or at finish(). Large buffers (record batches) and file
// regions are appended by reference, so record bytes are never copied. The scratch space left
// after finish() is reused by the next message written with the same Writer: chunks already
// handed out cover only bytes below the write position, which is never moved backwards.

import type { FileRegion } from '../../native/index.js'
import { ProtocolError } from './reader.js'

export type Chunk = Buffer | FileRegion

export interface Encoded {
  chunks: Chunk[]
  /** Total bytes: Buffer lengths plus region lengths. */
  length: number
}

/** A reserved int32 to fill in later (e.g. a frame length). */
export interface Int32Slot {
  readonly buf: Buffer
  readonly offset: number
}

/** Buffers shorter than this are copied into the scratch; longer ones are appended by reference. */
export const COPY_THRESHOLD = 512
const MAX_SCRATCH = 1 << 20

export function isFileRegion(c: Chunk): c is FileRegion {
  return !Buffer.isBuffer(c)
}

/** Joins Buffer chunks (tests, tiny control messages); throws on file regions. */
export function concatChunks(encoded: Encoded): Buffer {
  const bufs: Buffer[] = []
  for (const c of encoded.chunks) {
    if (isFileRegion(c)) throw new Error('concatChunks: cannot join a file region')
    bufs.push(c)
  }
  return Buffer.concat(bufs, encoded.length)
}

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

export class Writer {
  private buf: Buffer
  private pos = 0
  private start = 0
  private chunks: Chunk[] = []
  private closed = 0

  constructor(initialSize = 4096) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  /** Bytes written since the last finish(). */
  get length(): number {
    return this.closed + this.pos - this.start
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    this.closePending()
    const size = Math.max(n, Math.min(this.buf.length * 2, MAX_SCRATCH))
    this.buf = Buffer.allocUnsafe(size)
    this.pos = 0
    this.start = 0
  }

  private closePending(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos))
      this.closed += this.pos - this.start
      this.start = this.pos
    }
  }

  int8(v: number): void {
    this.ensure(1)
    this.buf.writeInt8(v, this.pos)
    this.pos += 1
  }

  bool(v: boolean): void {
    this.ensure(1)
    this.buf[this.pos++] = v ? 1 : 0
  }

  int16(v: number): void {
    this.ensure(2)
    this.buf.writeInt16BE(v, this.pos)
    this.pos += 2
  }

  uint16(v: number): void {
    this.ensure(2)
    this.buf.writeUInt16BE(v, this.pos)
    this.pos += 2
  }

  int32(v: number): void {
    this.ensure(4)
    this.buf.writeInt32BE(v, this.pos)
    this.pos += 4
  }

  uint32(v: number): void {
    this.ensure(4)
    this.buf.writeUInt32BE(v, this.pos)
    this.pos += 4
  }

  /** int64 from a number; must be an integer within the safe range. */
  int64(v: number): void {
    if (!Number.isSafeInteger(v)) throw new ProtocolError(`int64 value ${v} is not a safe integer`)
    this.ensure(8)
    const hi = Math.floor(v / 4294967296)
    this.buf.writeInt32BE(hi, this.pos)
    this.buf.writeUInt32BE(v - hi * 4294967296, this.pos + 4)
    this.pos += 8
  }

  float64(v: number): void {
    this.ensure(8)
    this.buf.writeDoubleBE(v, this.pos)
    this.pos += 8
  }

  uvarint(v: number): void {
    if (!(v >= 0 && v <= 0xffffffff && Number.isInteger(v))) {
      throw new ProtocolError(`uvarint value ${v} out of range`)
    }
    this.ensure(5)
    const b = this.buf
    while (v >= 0x80) {
      b[this.pos++] = (v & 0x7f) | 0x80
      v = Math.floor(v / 128)
    }
    b[this.pos++] = v
  }

  /** Zigzag signed 32-bit varint. */
  varint(v: number): void {
    if (!(v >= -2147483648 && v <= 2147483647 && Number.isInteger(v))) {
      throw new ProtocolError(`varint value ${v} out of range`)
    }
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1)
  }

  /** Zigzag signed 64-bit varint from a safe integer. */
  varlong(v: number): void {
    if (!Number.isSafeInteger(v)) throw new ProtocolError(`varlong value ${v} is not safe`)
    if (v < 2 ** 47 && v > -(2 ** 47)) {
      this.uvarlongSmall(v >= 0 ? v * 2 : -v * 2 - 1)
      return
    }
    let u = v >= 0 ? BigInt(v) << 1n : (BigInt(-v) << 1n) - 1n
    this.ensure(10)
    const b = this.buf
    while (u >= 0x80n) {
      b[this.pos++] = Number(u & 0x7fn) | 0x80
      u >>= 7n
    }
    b[this.pos++] = Number(u)
  }

  private uvarlongSmall(u: number): void {
    this.ensure(8)
    const b = this.buf
    while (u >= 0x80) {
      b[this.pos++] = (u % 128) | 0x80
      u = Math.floor(u / 128)
    }
    b[this.pos++] = u
  }

  private utf8(s: string, len: number): void {
    this.ensure(len)
    this.pos += this.buf.write(s, this.pos, len, 'utf8')
  }

  string(s: string): void {
    const len = Buffer.byteLength(s, 'utf8')
    if (len > 0x7fff) throw new ProtocolError(`string of ${len} bytes exceeds int16 length`)
    this.int16(len)
    this.utf8(s, len)
  }

  nullableString(s: string | null): void {
    if (s === null) this.int16(-1)
    else this.string(s)
  }

  compactString(s: string): void {
    const len = Buffer.byteLength(s, 'utf8')
    this.uvarint(len + 1)
    this.utf8(s, len)
  }

  compactNullableString(s: string | null): void {
    if (s === null) this.uvarint(0)
    else this.compactString(s)
  }

  /** Appends raw bytes: copied when small, referenced (no copy) when large. */
  raw(b: Uint8Array): void {
    if (b.length < COPY_THRESHOLD) {
      this.ensure(b.length)
      this.buf.set(b, this.pos)
      this.pos += b.length
      return
    }
    this.closePending()
    this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length))
    this.closed += b.length
  }

  /** Appends a file region as its own chunk (sent by the sendfile engine). */
  region(r: FileRegion): void {
    this.closePending()
    this.chunks.push(r)
    this.closed += r.length
  }

  bytes(b: Uint8Array): void {
    this.int32(b.length)
    this.raw(b)
  }

  nullableBytes(b: Uint8Array | null): void {
    if (b === null) this.int32(-1)
    else this.bytes(b)
  }

  compactBytes(b: Uint8Array): void {
    this.uvarint(b.length + 1)
    this.raw(b)
  }

  compactNullableBytes(b: Uint8Array | null): void {
    if (b === null) this.uvarint(0)
    else this.compactBytes(b)
  }

  /** UUID from a 32-hex-digit string, dashes allowed anywhere ('xxxxxxxx-xxxx-...'). */
  uuid(s: string): void {
    this.ensure(16)
    let n = 0
    let hi = -1
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c === 45) continue
      const d = hexNibble(c)
      if (d < 0 || n >= 32) throw new ProtocolError(`invalid uuid '${s}'`)
      if (hi < 0) hi = d
      else {
        this.buf[this.pos + (n >> 1)] = (hi << 4) | d
        hi = -1
      }
      n++
    }
    if (n !== 32) throw new ProtocolError(`invalid uuid '${s}'`)
    this.pos += 16
  }

  /** Array length prefix: int32 (null = -1) or compact uvarint N+1 (null = 0). */
  arrayLength(n: number | null, compact: boolean): void {
    if (compact) this.uvarint(n === null ? 0 : n + 1)
    else this.int32(n === null ? -1 : n)
  }

  /** An empty tagged-field section. */
  emptyTaggedFields(): void {
    this.uvarint(0)
  }

  /** Reserves an int32 to fill in with setInt32 (e.g. the frame length once it is known). */
  reserveInt32(): Int32Slot {
    this.ensure(4)
    const slot = { buf: this.buf, offset: this.pos }
    this.pos += 4
    return slot
  }

  setInt32(slot: Int32Slot, v: number): void {
    slot.buf.writeInt32BE(v, slot.offset)
  }

  /** Returns the chunks written since the last finish() and starts a new message. */
  finish(): Encoded {
    this.closePending()
    const out: Encoded = { chunks: this.chunks, length: this.closed }
    this.chunks = []
    this.closed = 0
    return out
  }
}
