// Output of one compaction group: the `<base>.log.cleaned` file and its two indexes. Every
// syscall runs on the libuv pool, because on a busy disk even small ones stall: a write can wait
// for dirty-page throttling, the first touch of a page of a freshly mapped index allocates a
// block (ms each), creating and truncating files waits for the journal. So the log is written in
// 1 MiB async writes and the index entries are kept in memory and written once at the end, in
// the files' final format (what OffsetIndex/TimeIndex map read-only once the segment is open).
import { open } from 'node:fs/promises'
import { fdatasync, pwritev } from '../../native/index.js'
import { IndexBuffer } from '../index-buffer.js'
import { batchLastOffset, batchMaxTimestamp } from '../record-batch.js'
import type { FileHandle } from 'node:fs/promises'

const WRITE_CHUNK = 1024 * 1024
const OFFSET_ENTRY = 8
const TIME_ENTRY = 12

export interface SegmentPaths {
  log: string
  index: string
  timeIndex: string
}

/** Fixed-size index entries in memory (the active indexes' buffer), written once at the end. */
class IndexEntries {
  entries = 0
  readonly store: IndexBuffer
  private readonly maxEntries: number

  constructor(
    private readonly entrySize: number,
    maxIndexBytes: number,
  ) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / entrySize))
    this.store = new IndexBuffer(this.maxEntries * entrySize)
  }

  get bytes(): Buffer {
    return this.store.prefix(this.entries * this.entrySize)
  }

  /** Position of a new entry, or -1 when the index is full. */
  next(): number {
    return this.entries >= this.maxEntries ? -1 : this.entries * this.entrySize
  }

  commit(): void {
    this.entries++
  }

  last(): number {
    return (this.entries - 1) * this.entrySize
  }
}

export class CleanedWriter {
  size = 0
  nextOffset: number
  maxTimestamp = -1
  offsetOfMaxTimestamp: number
  private readonly index: IndexEntries
  private readonly timeIndex: IndexEntries
  private bytesSinceIndex = 0
  /** Filled while the other one is being written: reading and writing overlap. */
  private chunk = Buffer.allocUnsafe(WRITE_CHUNK)
  private spare = Buffer.allocUnsafe(WRITE_CHUNK)
  private writing: Promise<void> = Promise.resolve()
  /** Buffered bytes not yet written; they end at file position `size`. */
  private chunkLen = 0
  private closed = false

  private constructor(
    private readonly log: FileHandle,
    readonly paths: SegmentPaths,
    readonly baseOffset: number,
    maxIndexBytes: number,
    private readonly interval: number,
  ) {
    this.index = new IndexEntries(OFFSET_ENTRY, maxIndexBytes)
    this.timeIndex = new IndexEntries(TIME_ENTRY, maxIndexBytes)
    this.nextOffset = baseOffset
    this.offsetOfMaxTimestamp = baseOffset
  }

  /** Creates (or truncates a leftover) `paths.log`; the index files are written by finish(). */
  static async create(
    paths: SegmentPaths,
    baseOffset: number,
    maxIndexBytes: number,
    interval: number,
  ): Promise<CleanedWriter> {
    const log = await open(paths.log, 'w+')
    return new CleanedWriter(log, paths, baseOffset, maxIndexBytes, interval)
  }

  /** Buffers the batch; a full buffer is written first (awaited, so `buf` may be reused after). */
  async append(buf: Buffer, pos: number, size: number): Promise<void> {
    const lastOffset = batchLastOffset(buf, pos)
    const maxTimestamp = batchMaxTimestamp(buf, pos)
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp
      this.offsetOfMaxTimestamp = lastOffset
    }
    if (this.bytesSinceIndex > this.interval) {
      this.appendOffset(lastOffset, this.size)
      this.appendTime(this.maxTimestamp, this.offsetOfMaxTimestamp)
      this.bytesSinceIndex = 0
    }
    this.bytesSinceIndex += size
    this.nextOffset = lastOffset + 1
    if (this.chunkLen + size > this.chunk.length) await this.flushChunk()
    const position = this.size
    this.size += size
    if (size > this.chunk.length) {
      await this.writing
      await this.write(buf.subarray(pos, pos + size), position)
    } else {
      buf.copy(this.chunk, this.chunkLen, pos, pos + size)
      this.chunkLen += size
    }
  }

  /** Log and indexes written, on disk and closed. */
  async finish(): Promise<void> {
    await this.flushChunk()
    await this.writing
    if (this.maxTimestamp >= 0) this.appendTime(this.maxTimestamp, this.offsetOfMaxTimestamp)
    await Promise.all([
      fdatasync(this.log.fd),
      writeFile(this.paths.index, this.index.bytes),
      writeFile(this.paths.timeIndex, this.timeIndex.bytes),
    ])
    await this.close()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.writing.catch(() => {})
    await this.log.close()
  }

  /** OffsetIndex.append: offsets strictly increase. */
  private appendOffset(offset: number, position: number): void {
    const idx = this.index
    if (idx.entries > 0 && offset <= this.baseOffset + idx.store.readUInt32BE(idx.last())) return
    const at = idx.next()
    if (at < 0) return
    idx.store.writeUInt32BE(at, offset - this.baseOffset)
    idx.store.writeUInt32BE(at + 4, position)
    idx.commit()
  }

  /** TimeIndex.maybeAppend: timestamps strictly increase, offsets never go back. */
  private appendTime(timestamp: number, offset: number): void {
    const idx = this.timeIndex
    if (idx.entries > 0) {
      const last = idx.last()
      if (timestamp <= idx.store.readInt64BE(last)) return
      if (offset < this.baseOffset + idx.store.readUInt32BE(last + 8)) return
    }
    const at = idx.next()
    if (at < 0) return
    idx.store.writeInt64BE(at, timestamp)
    idx.store.writeUInt32BE(at + 8, offset - this.baseOffset)
    idx.commit()
  }

  /** Starts writing the buffered bytes (after the previous write) and swaps the buffers. */
  private async flushChunk(): Promise<void> {
    if (this.chunkLen === 0) return
    await this.writing
    const len = this.chunkLen
    this.writing = this.write(this.chunk.subarray(0, len), this.size - len)
    // A failure surfaces at the next await of `writing`; until then it must not be unhandled.
    this.writing.catch(() => {})
    const written = this.chunk
    this.chunk = this.spare
    this.spare = written
    this.chunkLen = 0
  }

  /** `data` must not change until this settles. */
  private async write(data: Buffer, position: number): Promise<void> {
    for (let done = 0; done < data.length;) {
      const part = data.subarray(done, done + WRITE_CHUNK)
      const n = await pwritev(this.log.fd, [part], position + done)
      if (n <= 0) throw Object.assign(new Error('pwritev wrote nothing'), { code: 'EIO' })
      done += n
    }
  }
}

/** Creates or truncates `path` with `data`, synced. */
async function writeFile(path: string, data: Buffer): Promise<void> {
  const file = await open(path, 'w')
  try {
    for (let done = 0; done < data.length;) {
      const { bytesWritten } = await file.write(data, done, data.length - done, done)
      if (bytesWritten <= 0) throw Object.assign(new Error('write wrote nothing'), { code: 'EIO' })
      done += bytesWritten
    }
    await file.datasync()
  } finally {
    await file.close()
  }
}
