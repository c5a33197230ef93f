// The TCP side of the broker: one net.Server per configured listener, each accepted socket
// tuned (TCP_NODELAY, optional congestion algorithm) and wrapped in a Connection. allowHalfOpen
// keeps a client's FIN from cutting an in-flight response (R7). pauseOnConnect leaves accepted
// sockets unread, so the Connection can make them read into its own buffer (frame-reader.ts).

import net from 'node:net'
import type { ListenerAddress } from '../config/broker-config.js'
import { setTcpCongestion } from '../native/index.js'
import { Connection } from './connection.js'
import type { FrameHandler } from './connection.js'
import type { BrokerStats } from './stats.js'
import type { LogFn } from '../log-fn.js'

export interface ListenerOptions {
  maxRequestBytes: number
  idleTimeoutMs: number
  /** queued.max.request.bytes; <= 0 = built-in bound. */
  maxInFlightBytes: number
  /** '' = kernel default. */
  tcpCongestion: string
  handleFrame: FrameHandler
  stats: BrokerStats
  log: LogFn
  sendfile?: boolean
  /** See OrderedWriterOptions.sendfileInlineBytes. */
  sendfileInlineBytes?: number
}

export interface BoundListener {
  readonly name: string
  readonly host: string
  readonly port: number
}

export class BrokerServer {
  private readonly servers: net.Server[] = []
  private readonly connections = new Set<Connection>()
  private nextId = 1
  private congestionFailed = false
  readonly bound: BoundListener[] = []

  private constructor(private readonly options: ListenerOptions) {}

  static async listen(
    listeners: readonly ListenerAddress[],
    options: ListenerOptions,
  ): Promise<BrokerServer> {
    const server = new BrokerServer(options)
    try {
      for (const l of listeners) await server.listenOne(l)
    } catch (err) {
      await server.close(0)
      throw err
    }
    return server
  }

  get connectionCount(): number {
    return this.connections.size
  }

  private listenOne(l: ListenerAddress): Promise<void> {
    const srv = net.createServer(
      { allowHalfOpen: true, noDelay: true, pauseOnConnect: true },
      (socket) => this.accept(socket),
    )
    this.servers.push(srv)
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new Error(`cannot listen on ${l.name}://${l.host}:${l.port}: ${err.message}`))
      }
      srv.once('error', onError)
      const host = l.host === '' ? undefined : l.host
      srv.listen({ host, port: l.port }, () => {
        srv.off('error', onError)
        srv.on('error', (err) => this.options.log('error', 'listener error', { error: err }))
        const addr = srv.address() as net.AddressInfo
        this.bound.push({ name: l.name, host: l.host === '' ? '0.0.0.0' : l.host, port: addr.port })
        resolve()
      })
    })
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true)
    this.applyCongestion(socket)
    const conn = new Connection(socket, {
      id: this.nextId++,
      maxRequestBytes: this.options.maxRequestBytes,
      idleTimeoutMs: this.options.idleTimeoutMs,
      maxInFlightBytes: this.options.maxInFlightBytes,
      handleFrame: this.options.handleFrame,
      stats: this.options.stats,
      log: this.options.log,
      sendfile: this.options.sendfile,
      sendfileInlineBytes: this.options.sendfileInlineBytes,
      onClose: (c) => this.connections.delete(c),
    })
    this.connections.add(conn)
  }

  private applyCongestion(socket: net.Socket): void {
    const algo = this.options.tcpCongestion
    if (algo === '' || this.congestionFailed) return
    const fd = (socket as net.Socket & { _handle?: { fd?: number } | null })._handle?.fd
    if (typeof fd !== 'number' || fd < 0) return
    try {
      setTcpCongestion(fd, algo)
    } catch (err) {
      // Once is enough: every later socket would fail the same way (module not loaded, or not
      // in net.ipv4.tcp_allowed_congestion_control for an unprivileged process).
      this.congestionFailed = true
      this.options.log(
        'warn',
        `samsa.tcp.congestion=${algo} refused by the kernel; using its default`,
        {
          error: err,
        },
      )
    }
  }

  /**
   * Stops accepting, lets open connections finish their in-flight requests (up to timeoutMs),
   * then destroys whatever is left.
   */
  async close(timeoutMs: number): Promise<void> {
    const closed = Promise.all(
      this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    )
    const drains = Promise.all([...this.connections].map((c) => c.drain()))
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs)
    })
    await Promise.race([drains, timeout])
    clearTimeout(timer)
    for (const c of this.connections) c.destroy()
    await closed
  }
}
