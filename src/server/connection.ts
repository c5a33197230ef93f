// One client connection: frames in (FrameSplitter), requests handled concurrently, responses
// out strictly in request order through the connection's single OrderedWriter. Each request
// takes a slot in arrival order; a slot is flushed to the writer only when every earlier slot
// has been. Reading pauses while too many requests or too many output bytes are outstanding.

import type { Socket } from 'node:net'
import type { Chunk } from '../protocol/primitives/writer.js'
import { FrameReader } from './frame-reader.js'
import { FrameError, FrameSplitter } from './frame-splitter.js'
import { OrderedWriter } from './ordered-writer.js'
import { rewrapWithOnread } from './owned-reads.js'
import type { BrokerStats } from './stats.js'
import type { LogFn } from '../log-fn.js'

/** A response to queue, or null for none (acks=0). */
export interface Response {
  readonly chunks: readonly Chunk[]
  /** Runs once the bytes were sent or the connection died (drops segment pins). */
  readonly onSent?: () => void
}

/** Thrown by a frame handler to close the connection; the message is logged. */
export class CloseConnection extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CloseConnection'
  }
}

export interface ConnectionInfo {
  readonly id: number
  readonly remoteAddress: string
  /** The listener it came in on: clients are given that listener's advertised addresses. */
  readonly listenerName: string
}

export type FrameHandler = (
  frame: Buffer,
  conn: ConnectionInfo,
) => Response | null | Promise<Response | null>

export interface ConnectionOptions {
  id: number
  /** Default PLAINTEXT. */
  listenerName?: string
  maxRequestBytes: number
  /** -1 = never close idle connections. */
  idleTimeoutMs: number
  handleFrame: FrameHandler
  stats: BrokerStats
  log: LogFn
  /** Requests in flight before reading pauses. */
  maxInFlight?: number
  /** Request bytes in flight before reading pauses (queued.max.request.bytes); <= 0 = default. */
  maxInFlightBytes?: number
  /** Output bytes queued before reading pauses. */
  maxQueuedOutputBytes?: number
  sendfile?: boolean
  /** See OrderedWriterOptions.sendfileInlineBytes. */
  sendfileInlineBytes?: number
  onClose?: (conn: Connection) => void
}

interface Slot {
  done: boolean
  response: Response | null
  bytes: number
  /** Set when handling failed: the connection closes once earlier responses are out. */
  failure: unknown
}

const DEFAULT_MAX_IN_FLIGHT = 64
const DEFAULT_MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024
const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024
/** After a failed request the socket is half-closed; a peer that never closes is cut after this. */
const CLOSE_GRACE_MS = 2000
const NO_FAILURE = Symbol('none')
const PRODUCE_API_KEY = 0

export class Connection implements ConnectionInfo {
  readonly id: number
  readonly remoteAddress: string
  readonly listenerName: string
  private readonly socket: Socket
  private readonly writer: OrderedWriter
  /** Stream mode: frames are subarrays of Node's per-read buffers (or assembled copies). */
  private readonly splitter: FrameSplitter | null
  /** Owned-buffer mode: the socket reads into the reader's buffer; frames are transient. */
  private readonly reader: FrameReader | null
  private readonly slots: Slot[] = []
  private inFlightBytes = 0
  private paused = false
  private inputEnded = false
  private draining = false
  private closed = false
  /** A failed request reached the head: nothing more is read or answered. */
  private closing = false
  private graceTimer: NodeJS.Timeout | undefined
  private readonly maxInFlight: number
  private readonly maxInFlightBytes: number
  private readonly maxOutput: number
  private readonly closeWaiters: Array<() => void> = []

  /**
   * A socket accepted with pauseOnConnect (nothing read yet) is re-wrapped to read into a
   * connection-owned buffer (frame-reader.ts); any other socket is read as a stream.
   */
  constructor(
    accepted: Socket,
    private readonly options: ConnectionOptions,
  ) {
    let reader: FrameReader | null = null
    const owned = rewrapWithOnread(accepted, () => {
      const r = new FrameReader(options.maxRequestBytes, (f) => this.onTransientFrame(f))
      reader = r
      return {
        buffer: () => r.readBuffer(),
        callback: (n: number) => {
          this.onRead(n)
          return true
        },
      }
    })
    let socket = accepted
    if (owned !== null) {
      socket = owned
      this.reader = reader
      this.splitter = null
    } else {
      this.reader = null
      this.splitter = new FrameSplitter(options.maxRequestBytes, (frame) => this.onFrame(frame))
      socket.on('data', (chunk: Buffer) => this.onData(chunk))
    }
    this.socket = socket
    this.id = options.id
    this.listenerName = options.listenerName ?? 'PLAINTEXT'
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT
    this.maxInFlightBytes =
      options.maxInFlightBytes !== undefined && options.maxInFlightBytes > 0
        ? options.maxInFlightBytes
        : DEFAULT_MAX_IN_FLIGHT_BYTES
    this.maxOutput = options.maxQueuedOutputBytes ?? DEFAULT_MAX_OUTPUT
    this.writer = new OrderedWriter(socket, {
      stats: options.stats,
      sendfile: options.sendfile,
      sendfileInlineBytes: options.sendfileInlineBytes,
      onFailure: (err) => this.logClose('write failed', err),
      onProgress: () => this.updateFlow(),
    })
    options.stats.connectionsOpened++

    socket.on('end', () => {
      this.inputEnded = true
      this.maybeFinish()
    })
    socket.on('error', () => {
      // 'close' follows; resets by the peer are routine and not worth a log line.
    })
    socket.on('close', () => this.onClosed())
    if (options.idleTimeoutMs > 0) {
      socket.setTimeout(options.idleTimeoutMs)
      socket.on('timeout', () => this.onIdle())
    }
  }

  /** Requests received whose response has not been queued yet. */
  get inFlight(): number {
    return this.slots.length
  }

  get isClosed(): boolean {
    return this.closed
  }

  /**
   * Graceful close: stop reading, let in-flight requests finish and their responses go out,
   * then end the socket. Resolves when the socket is closed.
   */
  drain(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.draining = true
    // Not paused: input is ignored from here on (onRead), but the peer's FIN must still be read,
    // or a client that just hung up keeps the socket half-open until the drain times out.
    this.maybeFinish()
    return new Promise((resolve) => this.closeWaiters.push(resolve))
  }

  destroy(): void {
    this.writer.destroy()
  }

  private onRead(n: number): void {
    if (this.closed || this.draining || this.closing) return
    try {
      ;(this.reader as FrameReader).received(n)
    } catch (err) {
      this.onFrameError(err)
    }
  }

  /**
   * Owned-buffer mode: the frame's bytes are overwritten by the next read. Produce consumes its
   * request inside handle() (00-produce.ts appends synchronously and keeps no request bytes,
   * even when its answer waits for replication); any other request may keep decoded byte
   * fields, so its frame is copied out first. Those are small; Produce carries the volume.
   */
  private onTransientFrame(frame: Buffer): void {
    this.onFrame(frame.readInt16BE(0) === PRODUCE_API_KEY ? frame : Buffer.from(frame))
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.draining || this.closing) return
    try {
      ;(this.splitter as FrameSplitter).push(chunk)
    } catch (err) {
      this.onFrameError(err)
    }
  }

  private onFrameError(err: unknown): void {
    if (!(err instanceof FrameError)) throw err
    this.options.stats.connectionsRejected++
    this.logClose(err.message)
    this.writer.destroy()
  }

  private onFrame(frame: Buffer): void {
    if (this.closed || this.closing) return
    const stats = this.options.stats
    stats.requests++
    stats.requestBytes += frame.length + 4
    const slot: Slot = { done: false, response: null, bytes: frame.length, failure: NO_FAILURE }
    this.slots.push(slot)
    this.inFlightBytes += frame.length
    let result: Response | null | Promise<Response | null>
    try {
      result = this.options.handleFrame(frame, this)
    } catch (err) {
      this.fail(slot, err)
      this.recycleProduceFrame(frame)
      return
    }
    if (result instanceof Promise) {
      result.then(
        (res) => this.complete(slot, res),
        (err: unknown) => this.fail(slot, err),
      )
      this.updateFlow()
    } else {
      this.complete(slot, result)
      this.recycleProduceFrame(frame)
    }
  }

  /**
   * A Produce handler that returned synchronously has appended its batches and keeps no
   * reference to the request bytes (00-produce.ts), so the frame's buffer may be reused. Other
   * APIs may keep decoded byte fields (group metadata, for one), so their frames are left alone.
   */
  private recycleProduceFrame(frame: Buffer): void {
    if (frame.readInt16BE(0) === PRODUCE_API_KEY) this.splitter?.recycle(frame)
  }

  /**
   * Kafka closes a connection after a bad request in order: responses to earlier requests still
   * go out, then the socket is half-closed (acks=0 produce errors rely on this).
   */
  private fail(slot: Slot, err: unknown): void {
    slot.failure = err
    this.complete(slot, null)
  }

  private complete(slot: Slot, response: Response | null): void {
    if (this.closed || this.closing) {
      response?.onSent?.()
      return
    }
    slot.done = true
    slot.response = response
    while (this.slots.length > 0 && (this.slots[0] as Slot).done) {
      const s = this.slots.shift() as Slot
      this.inFlightBytes -= s.bytes
      if (s.failure !== NO_FAILURE) {
        this.closeAfterFailure(s.failure)
        return
      }
      if (s.response !== null) {
        this.options.stats.responses++
        this.writer.write(s.response.chunks, s.response.onSent)
      }
    }
    this.updateFlow()
    this.maybeFinish()
  }

  private closeAfterFailure(err: unknown): void {
    this.closing = true
    this.options.stats.connectionsRejected++
    if (err instanceof CloseConnection) this.logClose(err.message)
    else {
      this.options.stats.handlerErrors++
      this.logClose('request failed', err)
    }
    this.splitter?.reset()
    this.reader?.reset()
    // Later requests still in flight release their pins when they complete (closing is set).
    for (const s of this.slots.splice(0)) s.response?.onSent?.()
    this.writer.end()
    this.graceTimer = setTimeout(() => this.writer.destroy(), CLOSE_GRACE_MS)
  }

  private updateFlow(): void {
    if (this.closed || this.draining || this.closing) return
    const busy =
      this.slots.length >= this.maxInFlight ||
      this.inFlightBytes >= this.maxInFlightBytes ||
      this.writer.pendingBytes >= this.maxOutput
    if (busy && !this.paused) {
      this.paused = true
      this.socket.pause()
    } else if (!busy && this.paused) {
      this.paused = false
      this.socket.resume()
    }
  }

  /** Ends the socket once the peer is done (or we are draining) and every response is queued. */
  private maybeFinish(): void {
    if (this.closed || this.closing || this.slots.length > 0) return
    if (this.inputEnded || this.draining) this.writer.end()
  }

  private onIdle(): void {
    if (this.slots.length === 0 && this.writer.idle) {
      this.options.log('info', 'closing idle connection', {
        connection: this.id,
        remote: this.remoteAddress,
        idleMs: this.options.idleTimeoutMs,
      })
      this.writer.destroy()
    } else {
      this.socket.setTimeout(this.options.idleTimeoutMs)
    }
  }

  private onClosed(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.graceTimer)
    this.writer.destroy()
    this.splitter?.reset()
    this.reader?.reset()
    this.options.stats.connectionsClosed++
    this.options.onClose?.(this)
    for (const w of this.closeWaiters.splice(0)) w()
  }

  private logClose(reason: string, err?: unknown): void {
    this.options.log('warn', `closing connection: ${reason}`, {
      connection: this.id,
      remote: this.remoteAddress,
      error: err instanceof Error ? err.message : err === undefined ? undefined : String(err),
    })
  }
}
