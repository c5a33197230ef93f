// A FileSystem double over the real one that fails chosen calls, for storage-error tests.
import { RealFileSystem } from '../../src/log/fs.js'

function errno(code: string, syscall: string): Error {
  return Object.assign(new Error(`${code}: injected failure, ${syscall}`), { code, syscall })
}

export class FaultFileSystem extends RealFileSystem {
  private writeFailure: { code: string; partialBytes: number } | null = null
  private syncFailure: string | null = null
  private openFailure: string | null = null
  /** Paths matching this string are the only ones affected (empty = all). */
  pathFilter = ''
  /** fdatasync calls on affected files so far. */
  syncs = 0
  private readonly fdPaths = new Map<number, string>()

  /** The next positional write fails with `code`, after writing `partialBytes` (a torn write). */
  failNextWrite(code: string, partialBytes = 0): void {
    this.writeFailure = { code, partialBytes }
  }
  failNextSync(code: string): void {
    this.syncFailure = code
  }
  failNextOpen(code: string): void {
    this.openFailure = code
  }

  private affects(fd: number): boolean {
    return this.pathFilter === '' || (this.fdPaths.get(fd) ?? '').includes(this.pathFilter)
  }

  override open(path: string, flags: string): number {
    if (this.openFailure !== null && (this.pathFilter === '' || path.includes(this.pathFilter))) {
      const code = this.openFailure
      this.openFailure = null
      throw errno(code, 'open')
    }
    const fd = super.open(path, flags)
    this.fdPaths.set(fd, path)
    return fd
  }

  override pwritev(fd: number, buffers: readonly Uint8Array[], position: number): number {
    const f = this.writeFailure
    if (f !== null && this.affects(fd)) {
      this.writeFailure = null
      if (f.partialBytes > 0) {
        const first = buffers[0].subarray(0, Math.min(f.partialBytes, buffers[0].length))
        super.pwritev(fd, [first], position)
      }
      throw errno(f.code, 'pwritev')
    }
    return super.pwritev(fd, buffers, position)
  }

  override fdatasync(fd: number): Promise<void> {
    if (this.affects(fd)) this.syncs++
    if (this.syncFailure !== null && this.affects(fd)) {
      const code = this.syncFailure
      this.syncFailure = null
      return Promise.reject(errno(code, 'fdatasync'))
    }
    return super.fdatasync(fd)
  }
}
