// Recycled segment files. A deleted segment's .log file is kept (up to
// samsa.log.segment.recycle.bytes per data directory) and handed to the next new segment instead of
// a fresh file: its blocks are already allocated and its pages are already in the page cache, so
// appending overwrites cached pages instead of allocating new ones. On a VM whose freed memory
// goes back to the host this is the difference between ~0.3 and ~2-4 CPU-s/GB for the write itself
// (machine-ceilings.md), and on any machine it skips block allocation and page-cache reclaim.
// PostgreSQL recycles WAL files and RocksDB log files for the same reasons.
//
// A recycled file still holds the old bytes. Two rules keep them from ever reading as log data:
// - while the segment is active, its `<base>.recycled` marker holds the log's end, stored after
//   every append into the marker's mapped page (no syscall: far cheaper than zeroing ahead of the
//   appends, an earlier design that also stalled the event loop ~1 ms per 4 MiB). After a process
//   crash the page cache is intact, and recovery reads no further than that end;
// - the segment carries a `<base>.recycled` marker until it is sealed and flushed. After a machine
//   crash (a different boot id) the page cache is gone and the disk may still hold old bytes past
//   the recovery point, so recovery trusts a marked segment only up to its recovery point.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { MappedFile } from '../native/index.js'
import type { FileSystem } from './fs.js'
import type { LogFn } from '../log-fn.js'

export const POOL_DIR = '.recycle'
export const RECYCLED_SUFFIX = '.recycled'
const BOOT_ID_FILE = '.samsa-boot-id'
/** Smaller files are not worth keeping: the saving is per page and the pool costs a rename. */
export const MIN_RECYCLE_BYTES = 1024 * 1024

interface PooledFile {
  path: string
  fd: number
  size: number
}

export class SegmentPool {
  private readonly files: PooledFile[] = []
  private bytes = 0
  private next = 0
  private readonly dir: string

  constructor(
    private readonly fs: FileSystem,
    logDir: string,
    /** Most bytes kept; 0 turns recycling off. */
    readonly capacity: number,
    private readonly logFn?: LogFn,
  ) {
    this.dir = path.join(logDir, POOL_DIR)
  }

  /** Empties the pool directory: files left from an earlier run are neither warm nor needed. */
  init(): void {
    if (!this.fs.exists(this.dir)) {
      if (this.capacity > 0) this.fs.mkdir(this.dir)
      return
    }
    for (const name of this.fs.readdir(this.dir)) this.fs.unlink(path.join(this.dir, name))
  }

  get pooledBytes(): number {
    return this.bytes
  }

  get size(): number {
    return this.files.length
  }

  /**
   * Takes a deleted segment's log file (open fd, nothing reads it any more) when it fits. On true
   * the pool owns the fd and the file has moved; on false the caller removes it as usual.
   */
  adopt(fd: number, file: string, fileSize: number): boolean {
    if (fileSize < MIN_RECYCLE_BYTES || this.bytes + fileSize > this.capacity) return false
    const to = path.join(this.dir, `${this.next++}.log`)
    try {
      this.fs.rename(file, to)
    } catch (err) {
      this.logFn?.('warn', 'keeping a deleted segment for reuse failed', {
        file,
        error: String(err),
      })
      return false
    }
    this.files.push({ path: to, fd, size: fileSize })
    this.bytes += fileSize
    return true
  }

  /**
   * Moves the largest pooled file to `target` (after the caller created the segment's marker)
   * and returns its fd, or null when the pool is empty.
   */
  take(target: string): number | null {
    let best = -1
    for (let i = 0; i < this.files.length; i++)
      if (best < 0 || (this.files[i] as PooledFile).size > (this.files[best] as PooledFile).size)
        best = i
    if (best < 0) return null
    const f = this.files.splice(best, 1)[0] as PooledFile
    this.bytes -= f.size
    try {
      this.fs.rename(f.path, target)
    } catch (err) {
      this.discard(f)
      throw err
    }
    return f.fd
  }

  /** Closes and removes every pooled file (shutdown). */
  close(): void {
    for (const f of this.files.splice(0)) this.discard(f)
    this.bytes = 0
  }

  private discard(f: PooledFile): void {
    try {
      this.fs.close(f.fd)
      if (this.fs.exists(f.path)) this.fs.unlink(f.path)
    } catch (err) {
      this.logFn?.('warn', 'removing a pooled segment failed', { file: f.path, error: String(err) })
    }
  }
}

/**
 * A recycled active segment's `<base>.recycled` marker: 8 bytes holding the log's end (big-endian).
 * The first write goes through pwritev, which gives the file its 8 bytes and their block; after
 * that the page is mapped and each append's end is a store into it. A process crash keeps the
 * stored end (the page cache survives it); writeback takes it to disk like any dirty page, and a
 * machine crash does not trust the marker anyway (see the top of this file). Segments stay below
 * 2 GiB, so the high word is always 0 and a store is never torn in a way that matters.
 */
export class EndMarker {
  private readonly buf = Buffer.alloc(8)
  private map: MappedFile | null = null
  /** False once mapping failed: the pwritev path stays, without a failed mmap per append. */
  private mappable = true

  private constructor(
    private readonly fs: FileSystem,
    private fd: number,
  ) {}

  /** A new marker that says "end 0"; on failure nothing is left behind. */
  static create(fs: FileSystem, file: string): EndMarker {
    const marker = new EndMarker(fs, fs.open(file, 'w+'))
    try {
      marker.write(0)
    } catch (err) {
      marker.close()
      fs.unlink(file)
      throw err
    }
    return marker
  }

  /** An existing marker, kept open to go on recording the end. */
  static open(fs: FileSystem, file: string): EndMarker {
    return new EndMarker(fs, fs.open(file, 'r+'))
  }

  /** The end an existing marker holds (see end()). */
  static read(fs: FileSystem, file: string): number {
    const marker = new EndMarker(fs, fs.open(file, 'r'))
    try {
      return marker.end()
    } finally {
      marker.close()
    }
  }

  /** The recorded end; Infinity (no bound) for a marker without its 8 bytes (an older format). */
  end(): number {
    if (this.map !== null) return this.map.readInt64BE(0)
    if (this.fs.read(this.fd, this.buf, 0, 8, 0) !== 8) return Infinity
    return this.buf.readUInt32BE(0) * 0x1_0000_0000 + this.buf.readUInt32BE(4)
  }

  write(end: number): void {
    if (this.map !== null) {
      this.map.writeInt64BE(0, end)
      return
    }
    this.buf.writeUInt32BE(Math.floor(end / 0x1_0000_0000), 0)
    this.buf.writeUInt32BE(end >>> 0, 4)
    this.fs.pwritev(this.fd, [this.buf], 0)
    if (!this.mappable) return
    // The file now has its 8 bytes: stores into the mapping can neither fault past the end nor
    // need a block (no ENOSPC, no SIGBUS).
    try {
      this.map = MappedFile.map(this.fd, 8, { writable: true })
    } catch {
      this.mappable = false
    }
  }

  close(): void {
    this.map?.unmap()
    this.map = null
    if (this.fd < 0) return
    this.fs.close(this.fd)
    this.fd = -1
  }
}

/** The kernel's id of this boot; '' where /proc does not say (then every start counts as a reboot). */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return ''
  }
}

/**
 * Whether the machine may have restarted since recordBootId() last ran for this data directory
 * (an unknown id on either side counts as a restart: the safe answer).
 */
export function machineRestarted(logDir: string, bootId: string): boolean {
  try {
    const before = readFileSync(path.join(logDir, BOOT_ID_FILE), 'utf8').trim()
    return before === '' || bootId === '' || before !== bootId
  } catch {
    return true
  }
}

/** Written after the logs of the directory are loaded, never before (a crash while loading). */
export function recordBootId(fs: FileSystem, logDir: string, bootId: string): void {
  const fd = fs.open(path.join(logDir, BOOT_ID_FILE), 'w')
  try {
    fs.pwritev(fd, [Buffer.from(`${bootId}\n`)], 0)
  } finally {
    fs.close(fd)
  }
}
