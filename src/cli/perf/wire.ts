// One TCP connection carrying many requests in flight. Responses come back in request order
// (Kafka guarantees it per connection), so a FIFO of callbacks matches them; FrameSplitter cuts
// frames out of the byte stream without copying unless a frame straddles reads.

import net from 'node:net'
import { FrameSplitter } from '../../admin/client/frame-splitter.js'
import { getTcpCongestion, setTcpCongestion } from '../../native/index.js'

export type FrameHandler = (frame: Buffer) => void

export class PipelinedSocket {
  private readonly handlers: FrameHandler[] = []
  private head = 0
  private readonly frames = new FrameSplitter(
    (frame) => this.onFrame(frame),
    (err) => this.fail(err),
  )
  private closedError: Error | null = null
  onError: (err: Error) => void = () => {}

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true)
    socket.on('data', (c: Buffer) => this.frames.push(c))
    socket.on('error', (err) => this.fail(err))
    socket.on('close', () => this.fail(new Error('connection closed by the peer')))
  }

  static connect(host: string, port: number, congestion?: string): Promise<PipelinedSocket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port })
      s.once('error', reject)
      s.once('connect', () => {
        s.off('error', reject)
        const conn = new PipelinedSocket(s)
        if (congestion !== undefined && congestion !== '') {
          try {
            setTcpCongestion(conn.fd, congestion)
          } catch {
            // Reported through congestion(): the kernel default stays in effect.
          }
        }
        resolve(conn)
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
    handler(frame)
  }

  private fail(err: Error): void {
    if (this.closedError !== null) return
    this.closedError = err
    this.frames.stop()
    this.socket.destroy()
    this.onError(err)
  }

  close(): void {
    this.closedError ??= new Error('closed')
    this.socket.destroy()
  }
}
