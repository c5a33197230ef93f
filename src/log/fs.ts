// The filesystem calls of the log that can fail. Everything in log/ goes through this interface so
// tests can inject ENOSPC/EIO (test/log/fault-fs.ts) and check that a partition goes offline
// without losing acknowledged data.
import fs from 'node:fs'
import { fdatasync, pwritevSync } from '../native/index.js'

/** fs.read's arguments: fill buffer[offset, offset + length) from the file at `position`. */
export type PositionalRead = [
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
]

export interface FileSystem {
  /** flags as in fs.openSync: 'r', 'r+', 'w+', 'a+'... */
  open(path: string, flags: string): number
  /** open on the thread pool; numeric open(2) flags (fs.constants). */
  openAsync(path: string, flags: number): Promise<number>
  close(fd: number): void
  /** Gathered positional write: all bytes (short writes are continued natively) or it throws. */
  pwritev(fd: number, buffers: readonly Uint8Array[], position: number): number
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number
  /** Positional read on the libuv thread pool, so a long scan leaves the event loop free. */
  readAsync(...args: PositionalRead): Promise<number>
  /** fdatasync off the event loop. */
  fdatasync(fd: number): Promise<void>
  ftruncate(fd: number, length: number): void
  /** ftruncate on the thread pool: freeing many blocks is a journal transaction that can wait. */
  ftruncateAsync(fd: number, length: number): Promise<void>
  fstatSize(fd: number): number
  statSize(path: string): number
  exists(path: string): boolean
  unlink(path: string): void
  /** unlink on the thread pool (a metadata change: it can wait behind a journal commit). */
  unlinkAsync(path: string): Promise<void>
  rename(from: string, to: string): void
  mkdir(path: string): void
  readdir(path: string): string[]
  /** Recursive removal of a directory tree. */
  rmrf(path: string): void
  /** rmrf off the event loop: unlinking a 1 GiB segment can take a while. */
  rmrfAsync(path: string): Promise<void>
  /** fsync a directory so a rename/create/unlink in it is durable. */
  fsyncDir(path: string): Promise<void>
}

export class RealFileSystem implements FileSystem {
  open(path: string, flags: string): number {
    return fs.openSync(path, flags)
  }
  openAsync(path: string, flags: number): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.open(path, flags, 0o666, (err, fd) => (err ? reject(err) : resolve(fd)))
    })
  }
  close(fd: number): void {
    fs.closeSync(fd)
  }
  pwritev(fd: number, buffers: readonly Uint8Array[], position: number): number {
    return pwritevSync(fd, buffers, position)
  }
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    return fs.readSync(fd, buffer, offset, length, position)
  }
  readAsync(...args: PositionalRead): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.read(...args, (err, n) => (err ? reject(err) : resolve(n)))
    })
  }
  fdatasync(fd: number): Promise<void> {
    return fdatasync(fd)
  }
  ftruncate(fd: number, length: number): void {
    fs.ftruncateSync(fd, length)
  }
  ftruncateAsync(fd: number, length: number): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.ftruncate(fd, length, (err) => (err ? reject(err) : resolve()))
    })
  }
  fstatSize(fd: number): number {
    return fs.fstatSync(fd).size
  }
  statSize(path: string): number {
    return fs.statSync(path).size
  }
  exists(path: string): boolean {
    return fs.existsSync(path)
  }
  unlink(path: string): void {
    fs.unlinkSync(path)
  }
  unlinkAsync(path: string): Promise<void> {
    return fs.promises.unlink(path)
  }
  rename(from: string, to: string): void {
    fs.renameSync(from, to)
  }
  mkdir(path: string): void {
    fs.mkdirSync(path, { recursive: true })
  }
  readdir(path: string): string[] {
    return fs.readdirSync(path)
  }
  rmrf(path: string): void {
    fs.rmSync(path, { recursive: true, force: true })
  }
  rmrfAsync(path: string): Promise<void> {
    return fs.promises.rm(path, { recursive: true, force: true })
  }
  async fsyncDir(path: string): Promise<void> {
    const fd = fs.openSync(path, 'r')
    try {
      await fdatasync(fd)
    } finally {
      fs.closeSync(fd)
    }
  }
}

export const realFileSystem: FileSystem = new RealFileSystem()

/** True for errno codes that mean the disk (not the caller) failed: the partition goes offline. */
export function isStorageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && code !== 'ENOENT'
}
