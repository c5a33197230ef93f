// The TCP side of the broker: one server per configured listener, each accepted socket tuned
// (TCP_NODELAY, optional congestion algorithm) and wrapped in a Connection. allowHalfOpen keeps a
// client's FIN from cutting an in-flight response (R7). pauseOnConnect leaves accepted plaintext
// sockets unread, so the Connection can make them read into its own buffer (frame-reader.ts).
// SSL listeners are tls.Servers: the Connection gets the socket once the handshake is done and
// reads it as a stream; responses take the copy path (no sendfile through TLS).

import net from 'node:net'
import tls from 'node:tls'
import type { SecurityProtocol } from '../config/listener-security.js'
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
  /** Protocol per listener name; a name not in it is PLAINTEXT. */
  protocols?: ReadonlyMap<string, SecurityProtocol>
  /** Server options of SSL listeners (tls-options.ts). */
  tls?: tls.TlsOptions | null
}

/** A TLS handshake that has not finished by then is dropped. */
const HANDSHAKE_TIMEOUT_MS = 10_000

export interface BoundListener {
  readonly name: string
  readonly host: string
  readonly port: number
}

export class BrokerServer {
  private readonly servers: net.Server[] = []
  private readonly tlsServers: tls.Server[] = []
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
    const srv = this.createServer(l.name)
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

  private createServer(name: string): net.Server {
    if ((this.options.protocols?.get(name) ?? 'PLAINTEXT') === 'PLAINTEXT')
      return net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (s) => {
        this.applyCongestion(s)
        this.accept(s, name)
      })
    const options = this.options.tls
    if (options === undefined || options === null)
      throw new Error(`listener ${name} speaks SSL but no TLS options were given`)
    const srv = tls.createServer(
      { ...options, allowHalfOpen: true, noDelay: true, handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
      (s) => this.accept(s, name),
    )
    this.tlsServers.push(srv)
    // Before the handshake: the TCP socket still has its fd.
    srv.on('connection', (s: net.Socket) => this.applyCongestion(s))
    srv.on('tlsClientError', (err, s) => {
      // A client that does not speak TLS, fails verification or stalls: one line, no crash.
      // Destroyed here: with allowHalfOpen a peer's FIN would leave it open, and the server's
      // close() (shutdown) would wait for it forever.
      s.destroy()
      this.options.log('warn', 'TLS handshake failed', {
        listener: name,
        remote: `${s.remoteAddress ?? '?'}:${s.remotePort ?? 0}`,
        // OpenSSL's text ends in a newline and names its source file: the reason is enough.
        error: (err as Error & { reason?: string }).reason ?? err.message.trim(),
      })
    })
    return srv
  }

  /** New key material for SSL listeners: new handshakes use it, open connections keep theirs. */
  updateTls(options: tls.TlsOptions): void {
    for (const srv of this.tlsServers) srv.setSecureContext(options)
  }

  private accept(socket: net.Socket, listenerName: string): void {
    socket.setNoDelay(true)
    const conn = new Connection(socket, {
      id: this.nextId++,
      listenerName,
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
