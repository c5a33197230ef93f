// Bounds-checked reader for Kafka's wire primitives over one Buffer.
//
// Every read checks the remaining bytes first, and every length read from the wire is checked
// against what is left before anything is allocated, so a hostile frame fails with ProtocolError
// instead of reading out of range or allocating a huge array.
//
// int64 values come back as JS numbers: exact up to 2^53, rounded beyond (Kafka offsets,
// timestamps and producer ids stay far below that in practice; see docs/SKIPPED.md).
// UUIDs come back as lowercase 36-character strings ('xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx');
// the all-zero UUID is valid and is ZERO_UUID.

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtocolError'
  }
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000'

const HEX: string[] = []
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'))

export class Reader {
  readonly buf: Buffer
  offset: number
  readonly end: number

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    if (offset < 0 || end > buf.length || offset > end) {
      throw new ProtocolError(`reader window [${offset}, ${end}) outside buffer of ${buf.length}`)
    }
    this.buf = buf
    this.offset = offset
    this.end = end
  }

  get remaining(): number {
    return this.end - this.offset
  }

  /** Throws unless n more bytes are available. */
  need(n: number, what = 'field'): void {
    if (n > this.end - this.offset) {
      throw new ProtocolError(
        `truncated ${what}: need ${n} bytes at offset ${this.offset}, ${this.end - this.offset} left`,
      )
    }
  }

  skip(n: number): void {
    if (n < 0) throw new ProtocolError(`negative skip ${n}`)
    this.need(n, 'skip')
    this.offset += n
  }

  int8(): number {
    this.need(1, 'int8')
    return this.buf.readInt8(this.offset++)
  }

  bool(): boolean {
    this.need(1, 'bool')
    return this.buf[this.offset++] !== 0
  }

  int16(): number {
    this.need(2, 'int16')
    const v = this.buf.readInt16BE(this.offset)
    this.offset += 2
    return v
  }

  uint16(): number {
    this.need(2, 'uint16')
    const v = this.buf.readUInt16BE(this.offset)
    this.offset += 2
    return v
  }

  int32(): number {
    this.need(4, 'int32')
    const v = this.buf.readInt32BE(this.offset)
    this.offset += 4
    return v
  }

  uint32(): number {
    this.need(4, 'uint32')
    const v = this.buf.readUInt32BE(this.offset)
    this.offset += 4
    return v
  }

  /** int64 as a number (exact below 2^53). */
  int64(): number {
    this.need(8, 'int64')
    const hi = this.buf.readInt32BE(this.offset)
    const lo = this.buf.readUInt32BE(this.offset + 4)
    this.offset += 8
    return hi * 4294967296 + lo
  }

  float64(): number {
    this.need(8, 'float64')
    const v = this.buf.readDoubleBE(this.offset)
    this.offset += 8
    return v
  }

  /** Unsigned varint of at most 5 bytes (32 bits), as Kafka's ByteUtils.readUnsignedVarint. */
  uvarint(): number {
    let result = 0
    let shift = 0
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw new ProtocolError('truncated varint')
      const b = this.buf[this.offset++]!
      result += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) throw new ProtocolError('varint exceeds 32 bits')
        return result
      }
      shift += 7
    }
    throw new ProtocolError('varint longer than 5 bytes')
  }

  /** Zigzag-encoded signed 32-bit varint. */
  varint(): number {
    const u = this.uvarint()
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2
  }

  /** Zigzag-encoded signed 64-bit varint (up to 10 bytes), as a number (exact below 2^53). */
  varlong(): number {
    // Fast path in plain numbers while the value fits 49 bits (7 bytes): exact in a double.
    const start = this.offset
    let result = 0
    let mul = 1
    for (let i = 0; i < 7; i++) {
      if (this.offset >= this.end) throw new ProtocolError('truncated varlong')
      const b = this.buf[this.offset++]!
      result += (b & 0x7f) * mul
      if ((b & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2
      mul *= 128
    }
    this.offset = start
    return this.varlongBig()
  }

  private varlongBig(): number {
    let result = 0n
    let shift = 0n
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new ProtocolError('truncated varlong')
      const b = this.buf[this.offset++]!
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) {
        const signed = (result >> 1n) ^ -(result & 1n)
        return Number(BigInt.asIntN(64, signed))
      }
      shift += 7n
    }
    throw new ProtocolError('varlong longer than 10 bytes')
  }

  private utf8(len: number): string {
    this.need(len, 'string')
    const s = this.buf.toString('utf8', this.offset, this.offset + len)
    this.offset += len
    return s
  }

  /** int16-length string; null (length -1) is a ProtocolError. */
  string(): string {
    const s = this.nullableString()
    if (s === null) throw new ProtocolError('null in a non-nullable string')
    return s
  }

  nullableString(): string | null {
    const len = this.int16()
    if (len === -1) return null
    if (len < 0) throw new ProtocolError(`negative string length ${len}`)
    return this.utf8(len)
  }

  /** uvarint(length + 1) string; 0 (null) is a ProtocolError. */
  compactString(): string {
    const s = this.compactNullableString()
    if (s === null) throw new ProtocolError('null in a non-nullable compact string')
    return s
  }

  compactNullableString(): string | null {
    const n = this.uvarint()
    if (n === 0) return null
    return this.utf8(n - 1)
  }

  private slice(len: number): Buffer {
    this.need(len, 'bytes')
    const b = this.buf.subarray(this.offset, this.offset + len)
    this.offset += len
    return b
  }

  /** int32-length bytes as a subarray of the input (no copy). */
  bytes(): Buffer {
    const b = this.nullableBytes()
    if (b === null) throw new ProtocolError('null in non-nullable bytes')
    return b
  }

  nullableBytes(): Buffer | null {
    const len = this.int32()
    if (len === -1) return null
    if (len < 0) throw new ProtocolError(`negative bytes length ${len}`)
    return this.slice(len)
  }

  compactBytes(): Buffer {
    const b = this.compactNullableBytes()
    if (b === null) throw new ProtocolError('null in non-nullable compact bytes')
    return b
  }

  compactNullableBytes(): Buffer | null {
    const n = this.uvarint()
    if (n === 0) return null
    return this.slice(n - 1)
  }

  uuid(): string {
    this.need(16, 'uuid')
    const b = this.buf
    const o = this.offset
    let s = ''
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += '-'
      s += HEX[b[o + i]!]
    }
    this.offset += 16
    return s
  }

  /**
   * int32 array length: -1 for null, else a count checked against the bytes left assuming each
   * element takes at least minElementBytes (>= 1), so absurd counts fail before allocation.
   */
  arrayLength(minElementBytes = 1): number {
    const n = this.int32()
    if (n === -1) return -1
    if (n < 0) throw new ProtocolError(`negative array length ${n}`)
    this.checkCount(n, minElementBytes)
    return n
  }

  /** Compact array length (uvarint N+1): -1 for null, else the checked count. */
  compactArrayLength(minElementBytes = 1): number {
    const u = this.uvarint()
    if (u === 0) return -1
    const n = u - 1
    this.checkCount(n, minElementBytes)
    return n
  }

  private checkCount(n: number, minElementBytes: number): void {
    if (n * Math.max(1, minElementBytes) > this.end - this.offset) {
      throw new ProtocolError(
        `array of ${n} elements cannot fit in the ${this.end - this.offset} bytes left`,
      )
    }
  }

  array<T>(readItem: (r: Reader) => T, minElementBytes = 1): T[] {
    const n = this.arrayLength(minElementBytes)
    if (n === -1) throw new ProtocolError('null in a non-nullable array')
    const out: T[] = new Array<T>(n)
    for (let i = 0; i < n; i++) out[i] = readItem(this)
    return out
  }

  compactArray<T>(readItem: (r: Reader) => T, minElementBytes = 1): T[] {
    const n = this.compactArrayLength(minElementBytes)
    if (n === -1) throw new ProtocolError('null in a non-nullable compact array')
    const out: T[] = new Array<T>(n)
    for (let i = 0; i < n; i++) out[i] = readItem(this)
    return out
  }

  /**
   * Reads a tagged-field section. For each field, onTag (if given) gets the tag and a Reader
   * bounded to exactly that field's bytes and ignores tags it does not know, so unknown
   * tags are skipped. The outer offset always moves past the whole field.
   */
  taggedFields(onTag?: (tag: number, field: Reader) => void): void {
    const count = this.uvarint()
    this.checkCount(count, 2)
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint()
      const size = this.uvarint()
      this.need(size, 'tagged field')
      const start = this.offset
      this.offset += size
      if (onTag !== undefined) onTag(tag, new Reader(this.buf, start, start + size))
    }
  }
}
