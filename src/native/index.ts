// The typed surface of the native addon (docs/ARCHITECTURE.md section 1). The only importer of
// the binding; the addon owns no policy, so this file only validates arguments and adapts shapes.
import { binding } from './binding.js'

export interface FileRegion {
  readonly fd: number
  readonly position: number
  readonly length: number
  /**
   * Appended moments ago, so its pages are in the page cache: the sender may send it on the
   * calling thread (sendfile of cached pages never blocks on disk).
   */
  readonly recent?: boolean
}
/** What one sendfile op sends, in order: file regions and encoded bytes between them. */
export type SendItem = FileRegion | Buffer

export interface SendfileOptions {
  /** Longest wait for socket space without progress before ETIMEDOUT. Default 30_000. */
  timeoutMs?: number
  /**
   * Send up to this many bytes on the calling thread first (only for page-cached regions); the
   * sender thread takes whatever the socket does not accept at once. Default 0.
   */
  inlineBytes?: number
}
export interface SendfileHandle extends Promise<number> {
  cancel(): void
  /** Bytes already sent on the calling thread when sendfile() returned (see inlineBytes). */
  readonly sentNow: number
}

/** Errors from the addon: Node SystemError shape, errno positive. */
export interface NativeError extends Error {
  code: string
  errno: number
  syscall: string
  bytesSent?: number
}

export const DEFAULT_SENDFILE_TIMEOUT_MS = 30_000

interface PendingSend {
  resolve(n: number): void
  reject(e: Error): void
  /** The items in flight: keeps their Buffers alive while the sender thread reads them. */
  items: readonly SendItem[]
}

const pending = new Map<number, PendingSend>()
let engineStarted = false

function onSendfileComplete(id: number, error: Error | null, bytesSent: number): void {
  const op = pending.get(id)
  if (op === undefined) return
  pending.delete(id)
  if (error !== null) op.reject(error)
  else op.resolve(bytesSent)
}

function handleOf(promise: Promise<number>, cancel: () => void, sentNow = 0): SendfileHandle {
  return Object.assign(promise, { cancel, sentNow })
}

const noop = (): void => {}

/**
 * Sends the items, in order, to the socket on the addon's sender thread: file regions by
 * sendfile from their files, Buffers (the encoded parts of a response between its regions) by
 * send with MSG_MORE, so one response is one hand-off however many partitions it holds. Up to
 * `inlineBytes` go first on this thread: a tailing consumer's fetch of cached pages then costs
 * one syscall instead of two thread hand-offs. Resolves with the bytes sent (the sum of lengths).
 * Rejects with a NativeError carrying bytesSent: ECONNRESET / EPIPE (peer gone), ETIMEDOUT,
 * ECANCELED (after cancel()), code 'EOF' (errno 0) when a file is shorter than promised. Any
 * rejection after bytes were sent leaves a frame half written: the caller must destroy the
 * connection (R8).
 */
export function sendfile(
  socketFd: number,
  regions: readonly SendItem[],
  options?: SendfileOptions,
): SendfileHandle {
  if (!engineStarted) {
    binding.sendfileInit(onSendfileComplete)
    engineStarted = true
  }
  const timeoutMs = options?.timeoutMs ?? DEFAULT_SENDFILE_TIMEOUT_MS
  const inlineBytes = options?.inlineBytes ?? 0
  let sentNow = 0
  let rest = regions
  let id: number
  try {
    if (inlineBytes > 0) {
      sentNow = binding.sendfileNow(socketFd, regions, inlineBytes)
      if (sentNow > 0) rest = remainingRegions(regions, sentNow)
      if (rest.length === 0) return handleOf(Promise.resolve(sentNow), noop, sentNow)
    }
    id = binding.sendfileSubmit(socketFd, rest, timeoutMs)
  } catch (err) {
    return handleOf(Promise.reject(withBytesSent(err as Error, sentNow)), noop, sentNow)
  }
  if (id === 0) return handleOf(Promise.resolve(sentNow), noop, sentNow) // nothing (more) to send
  const promise = new Promise<number>((resolve, reject) =>
    pending.set(id, { resolve, reject, items: rest }),
  )
  return handleOf(
    sentNow === 0
      ? promise
      : promise.then(
          (n) => n + sentNow,
          (err: Error) => Promise.reject(withBytesSent(err, sentNow)),
        ),
    () => {
      if (pending.has(id)) binding.sendfileCancel(id)
    },
    sentNow,
  )
}

/** What is left of `regions` after the first `sent` bytes. */
function remainingRegions(regions: readonly SendItem[], sent: number): SendItem[] {
  const out: SendItem[] = []
  let skip = sent
  for (const r of regions) {
    if (skip >= r.length) {
      skip -= r.length
      continue
    }
    if (skip === 0) out.push(r)
    else if (Buffer.isBuffer(r)) out.push(r.subarray(skip))
    else out.push({ fd: r.fd, position: r.position + skip, length: r.length - skip })
    skip = 0
  }
  return out
}

/** Counts bytes sent on the calling thread into a rejection's bytesSent. */
function withBytesSent(err: Error, sentNow: number): Error {
  if (sentNow > 0) {
    const e = err as Partial<NativeError>
    e.bytesSent = (e.bytesSent ?? 0) + sentNow
  }
  return err
}

/** One gathered write of all buffers at `position`, looping over short writes. */
export function pwritevSync(fd: number, buffers: readonly Uint8Array[], position: number): number {
  return binding.pwritevSync(fd, buffers, position)
}

/** pwritevSync on the libuv pool; the buffers must not change until it settles. */
export function pwritev(
  fd: number,
  buffers: readonly Uint8Array[],
  position: number,
): Promise<number> {
  try {
    return binding.pwritev(fd, buffers, position)
  } catch (err) {
    return Promise.reject(err as Error)
  }
}

/** CRC-32C; `initial` continues a previous result. Unsigned 32-bit. */
export function crc32c(data: Uint8Array, initial?: number): number {
  return binding.crc32c(data, initial)
}

/** The portable slicing-by-8 CRC-32C, whatever the CPU (tests, benchmarks). */
export function crc32cSoftware(data: Uint8Array, initial?: number): number {
  return binding.crc32cSoftware(data, initial)
}

/** 'sse4.2+pclmul', 'sse4.2' or 'software': what crc32c() runs on this CPU. */
export const crc32cImplementation: string = binding.crc32cImplementation

export const FADV = {
  NORMAL: 0,
  RANDOM: 1,
  SEQUENTIAL: 2,
  WILLNEED: 3,
  DONTNEED: 4,
  NOREUSE: 5,
} as const

/** posix_fadvise; length 0 means to the end of the file. */
export function fadvise(fd: number, offset: number, length: number, advice: number): void {
  binding.fadvise(fd, offset, length, advice)
}

export function fdatasync(fd: number): Promise<void> {
  try {
    return binding.fdatasync(fd)
  } catch (err) {
    return Promise.reject(err as Error)
  }
}

export function fdatasyncSync(fd: number): void {
  binding.fdatasyncSync(fd)
}

/**
 * Reserves blocks for [offset, offset + length). Grows the file size unless keepSize is set
 * (FALLOC_FL_KEEP_SIZE).
 */
export function fallocate(fd: number, offset: number, length: number, keepSize = false): void {
  binding.fallocate(fd, offset, length, keepSize)
}

/** TCP_CONGESTION; an algorithm that is not allowed fails with EPERM, unknown with ENOENT. */
export function setTcpCongestion(socketFd: number, algorithm: string): void {
  binding.setTcpCongestion(socketFd, algorithm)
}

export function getTcpCongestion(socketFd: number): string {
  return binding.getTcpCongestion(socketFd)
}

export { MappedFile } from './mapped-file.js'
