// A shared mapping of an index file. Unmapping is explicit (truncating a mapped file raises
// SIGBUS), and every access after unmap() throws instead of touching freed memory.
import { binding } from './binding.js'

const TWO_32 = 4294967296

function unmappedError(): Error {
  return Object.assign(new Error('MappedFile was unmapped'), { code: 'ERR_UNMAPPED' })
}

export class MappedFile {
  readonly length: number
  #buffer: ArrayBuffer | null
  #handle: object | null
  #view: DataView | null
  #bytes: Uint8Array | null

  private constructor(length: number, buffer: ArrayBuffer | null, handle: object | null) {
    this.length = length
    this.#buffer = buffer
    this.#handle = handle
    this.#view = buffer === null ? new DataView(new ArrayBuffer(0)) : new DataView(buffer)
    this.#bytes = buffer === null ? new Uint8Array(0) : new Uint8Array(buffer)
  }

  /** Maps [0, length) of fd (MAP_SHARED). length 0 gives an empty mapping without mmap. */
  static map(fd: number, length: number, options?: { writable?: boolean }): MappedFile {
    if (length === 0) return new MappedFile(0, null, null)
    const [buffer, handle] = binding.mmap(fd, length, options?.writable ?? false)
    return new MappedFile(length, buffer, handle)
  }

  get mapped(): boolean {
    return this.#view !== null
  }

  #dv(): DataView {
    if (this.#view === null) throw unmappedError()
    return this.#view
  }

  readUInt32BE(offset: number): number {
    return this.#dv().getUint32(offset)
  }

  writeUInt32BE(offset: number, value: number): void {
    this.#dv().setUint32(offset, value)
  }

  readInt32BE(offset: number): number {
    return this.#dv().getInt32(offset)
  }

  writeInt32BE(offset: number, value: number): void {
    this.#dv().setInt32(offset, value)
  }

  /** Exact for |value| < 2^53 (Kafka offsets and timestamps as JS numbers). */
  readInt64BE(offset: number): number {
    const dv = this.#dv()
    return dv.getInt32(offset) * TWO_32 + dv.getUint32(offset + 4)
  }

  writeInt64BE(offset: number, value: number): void {
    const dv = this.#dv()
    if (offset < 0 || offset + 8 > dv.byteLength)
      throw new RangeError('Offset is outside the bounds')
    const high = Math.floor(value / TWO_32)
    dv.setInt32(offset, high)
    dv.setUint32(offset + 4, value - high * TWO_32)
  }

  /** Like Buffer#copy: copies [sourceStart, sourceEnd) into target, returns bytes copied. */
  copyTo(target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number): number {
    if (this.#bytes === null) throw unmappedError()
    const end = Math.min(sourceEnd, this.length)
    if (sourceStart < 0 || targetStart < 0 || sourceStart > end) {
      throw new RangeError('copyTo: range out of bounds')
    }
    const count = Math.min(end - sourceStart, target.length - targetStart)
    if (count <= 0) return 0
    target.set(this.#bytes.subarray(sourceStart, sourceStart + count), targetStart)
    return count
  }

  /** msync(MS_SYNC). */
  flush(): void {
    this.#dv()
    if (this.#handle !== null) binding.msync(this.#handle)
  }

  /** Unmaps now; idempotent. Detaches the ArrayBuffer so stale views read as empty. */
  unmap(): void {
    if (this.#view === null) return
    if (this.#handle !== null && this.#buffer !== null) binding.munmap(this.#handle, this.#buffer)
    this.#view = null
    this.#bytes = null
    this.#buffer = null
    this.#handle = null
  }
}
