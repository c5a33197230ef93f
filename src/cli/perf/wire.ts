// One TCP connection carrying many requests in flight. Responses come back in request order
// (Kafka guarantees it per connection), so a FIFO of callbacks matches them. The socket reads
// into FrameReader's reused buffer, so a handler gets a view that is valid only until it returns.

import net from 'node:net'
import { getTcpCongestion, setTcpCongestion } from '../../native/index.js'
import { FrameReader } from '../../server/frame-reader.js'
import { onreadInto } from '../../server/owned-reads.js'

/** Gets a response frame (after the size prefix); the view is reused once the handler returns. */
export type FrameHandler = (frame: Buffer) => void

export class PipelinedSocket {
  private readonly handlers: FrameHandler[] = []
  private head = 0
  private closedError: Error | null = null
  onError: (err: Error) => void = () => {}

  private constructor(
    readonly socket: net.Socket,
    private readonly frames: FrameReader,
  ) {
    socket.setNoDelay(true)
    socket.on('error', (err) => this.fail(err))
    socket.on('close', () => this.fail(new Error('connection closed by the peer')))
  }

  /** `readBuffer`: the initial size of the reused read buffer (it grows to the largest frame). */
  static connect(
    host: string,
    port: number,
    congestion?: string,
    readBuffer = 256 << 10,
  ): Promise<PipelinedSocket> {
    return new Promise((resolve, reject) => {
      let conn: PipelinedSocket | null = null
      // Responses of any size (a sink or a broker answers); 4 bytes: a bare correlation id.
      const frames = new FrameReader(1 << 30, (frame) => conn?.onFrame(frame), readBuffer, 4)
      const s = net.connect({ host, port, onread: onreadInto(frames, (err) => conn?.fail(err)) })
      s.once('error', reject)
      s.once('connect', () => {
        s.off('error', reject)
        const c = new PipelinedSocket(s, frames)
        conn = c
        if (congestion !== undefined && congestion !== '') {
          try {
            setTcpCongestion(c.fd, congestion)
          } catch {
            // Reported through congestion(): the kernel default stays in effect.
          }
        }
        resolve(c)
      })
    })
  }

  get fd(): number {
    return (this.socket as unknown as { _handle: { fd: number } })._handle.fd
  }

  /** The congestion control algorithm in effect on this socket. */
  congestion(): string {
    try {
      return getTcpCongestion(this.fd)
    } catch {
      return 'unknown'
    }
  }

  get inFlight(): number {
    return this.handlers.length - this.head
  }

  send(frame: Buffer, onResponse: FrameHandler): void {
    if (this.closedError !== null) throw this.closedError
    this.handlers.push(onResponse)
    this.socket.write(frame)
  }

  private onFrame(frame: Buffer): void {
    const handler = this.handlers[this.head++]
    if (handler === undefined) {
      this.fail(new Error('response without a request'))
      return
    }
    if (this.head > 1024 && this.head * 2 > this.handlers.length) {
      this.handlers.splice(0, this.head)
      this.head = 0
    }
    try {
      handler(frame)
    } catch (err) {
      // Thrown inside the socket's read callback, it would escape as an uncaught exception.
      this.fail(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private fail(err: Error): void {
    if (this.closedError !== null) return
    this.closedError = err
    this.frames.reset()
    this.socket.destroy()
    this.onError(err)
  }

  close(): void {
    this.closedError ??= new Error('closed')
    this.frames.reset()
    this.socket.destroy()
  }
}
