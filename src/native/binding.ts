// Loads the compiled addon. The only file that touches the raw binding object; everything it
// exports is typed here and wrapped by index.ts.
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root: src/native/ when run from TS, dist/src/native/ when compiled. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'binding.gyp'))) {
      return dir
    }
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error('samsa: cannot find the package root for the native addon')
    dir = parent
  }
}

export interface NativeBinding {
  readonly crc32cImplementation: string
  crc32c(data: Uint8Array, initial?: number): number
  crc32cSoftware(data: Uint8Array, initial?: number): number
  pwritevSync(fd: number, buffers: readonly Uint8Array[], position: number): number
  pwritev(fd: number, buffers: readonly Uint8Array[], position: number): Promise<number>
  fdatasync(fd: number): Promise<void>
  fdatasyncSync(fd: number): void
  fadvise(fd: number, offset: number, length: number, advice: number): void
  fallocate(fd: number, offset: number, length: number, keepSize?: boolean): void
  setTcpCongestion(socketFd: number, algorithm: string): void
  getTcpCongestion(socketFd: number): string
  mmap(fd: number, length: number, writable: boolean): [ArrayBuffer, object]
  munmap(handle: object, buffer: ArrayBuffer): void
  msync(handle: object): void
  /** Registers the single completion callback of the sendfile engine (once per thread). */
  sendfileInit(onComplete: (id: number, error: Error | null, bytesSent: number) => void): void
  /**
   * Queues a send of file regions and Buffers, in order; fds are dup'd before it returns, the
   * Buffers must stay alive until the completion. Returns the operation id.
   */
  sendfileSubmit(
    socketFd: number,
    regions: readonly ({ fd: number; position: number; length: number } | Uint8Array)[],
    timeoutMs: number,
  ): number
  sendfileCancel(id: number): void
  /** Sends on the calling thread until the socket stops taking bytes or maxBytes; returns bytes sent. */
  sendfileNow(
    socketFd: number,
    regions: readonly ({ fd: number; position: number; length: number } | Uint8Array)[],
    maxBytes: number,
  ): number
}

const require = createRequire(import.meta.url)
const load = require('node-gyp-build') as (dir: string) => any

export const binding: NativeBinding = load(packageRoot())
