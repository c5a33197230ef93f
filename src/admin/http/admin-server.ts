// The admin HTTP listener: /health (the process is up), /ready (the broker serves: 503 while
// starting and while shutting down), /metrics (Prometheus text), / (the dashboard page) and /ws
// (the dashboard's WebSocket, one JSON snapshot a second). It starts before recovery so probes
// get answers during a long start-up; attach() wires in the broker once its services exist.

import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import type { WebSocket } from 'ws'
import type { BrokerServices } from '../../broker-services.js'
import { createBrokerMetrics } from '../metrics/broker-metrics.js'
import type { BrokerMetrics } from '../metrics/broker-metrics.js'
import type { AdminAddress } from './admin-address.js'
import { DASHBOARD_HTML } from './dashboard-page.js'
import { ThroughputHistory, buildSnapshot } from './snapshot.js'
import type { DashboardSnapshot } from './snapshot.js'
import type { LogFn } from '../../log-fn.js'

export type AdminState = 'starting' | 'ready' | 'stopping'

export interface AdminServerOptions {
  log: LogFn
  /** Dashboard push and throughput sampling period; default 1000 ms. */
  tickMs?: number
  clock?: () => number
}

/** A dashboard client that cannot keep up is skipped rather than buffered without bound. */
const MAX_WS_BUFFERED = 1024 * 1024

export class AdminServer {
  state: AdminState = 'starting'
  private metrics: BrokerMetrics | null = null
  private services: BrokerServices | null = null
  private readonly history = new ThroughputHistory()
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 })
  private timer: NodeJS.Timeout | undefined
  private readonly startedAt: number
  private readonly clock: () => number
  private closed: Promise<void> | null = null

  private constructor(
    private readonly server: http.Server,
    readonly host: string,
    readonly port: number,
    private readonly options: AdminServerOptions,
  ) {
    this.clock = options.clock ?? Date.now
    this.startedAt = this.clock()
    server.on('request', (req, res) => this.onRequest(req, res))
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head))
    this.wss.on('connection', (ws) => this.onClient(ws))
  }

  static listen(address: AdminAddress, options: AdminServerOptions): Promise<AdminServer> {
    const server = http.createServer()
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new Error(`cannot listen on admin ${address.host}:${address.port}: ${err.message}`))
      }
      server.once('error', onError)
      server.listen({ host: address.host, port: address.port }, () => {
        server.off('error', onError)
        server.on('error', (err) => options.log('error', 'admin listener error', { error: err }))
        const port = (server.address() as AddressInfo).port
        resolve(new AdminServer(server, address.host, port, options))
      })
    })
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host
    return `http://${host}:${this.port}`
  }

  /** Starts metrics and the dashboard feed for a broker whose services are built. */
  attach(services: BrokerServices): BrokerMetrics {
    if (this.metrics !== null) throw new Error('admin server already attached')
    this.services = services
    this.metrics = createBrokerMetrics(services)
    this.history.sample(this.metrics.traffic.totals, this.clock())
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 1000)
    this.timer.unref()
    return this.metrics
  }

  get clientCount(): number {
    return this.wss.clients.size
  }

  /** The dashboard's current snapshot, or null before attach(). */
  snapshot(): DashboardSnapshot | null {
    const { metrics, services } = this
    if (metrics === null || services === null) return null
    return buildSnapshot(
      {
        services,
        history: this.history,
        traffic: metrics.traffic.topics,
        eventLoop: metrics.eventLoop,
        startedAt: this.startedAt,
      },
      this.clock(),
    )
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.state = 'stopping'
      clearInterval(this.timer)
      this.metrics?.close()
      for (const ws of this.wss.clients) ws.terminate()
      await new Promise<void>((resolve) => this.wss.close(() => resolve()))
      const done = new Promise<void>((resolve) => this.server.close(() => resolve()))
      this.server.closeAllConnections()
      await done
    })()
    return this.closed
  }

  private tick(): void {
    const metrics = this.metrics
    if (metrics === null) return
    this.history.sample(metrics.traffic.totals, this.clock())
    if (this.wss.clients.size === 0) return
    const snap = this.snapshot()
    if (snap === null) return
    const json = JSON.stringify(snap)
    for (const ws of this.wss.clients) this.send(ws, json)
  }

  private send(ws: WebSocket, json: string): void {
    if (ws.readyState !== ws.OPEN || ws.bufferedAmount > MAX_WS_BUFFERED) return
    ws.send(json, (err) => {
      if (err !== undefined && err !== null) ws.terminate()
    })
  }

  private onClient(ws: WebSocket): void {
    ws.on('error', () => ws.terminate())
    // The page should not wait a whole tick for its first picture.
    const snap = this.snapshot()
    if (snap !== null) this.send(ws, JSON.stringify(snap))
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy())
    if (pathOf(req) !== '/ws' || this.state === 'stopping') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req))
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: 'GET, HEAD' })
      return
    }
    switch (pathOf(req)) {
      case '/health':
        reply(res, 200, 'text/plain; charset=utf-8', 'ok\n')
        return
      case '/ready':
        if (this.state === 'ready') reply(res, 200, 'text/plain; charset=utf-8', 'ready\n')
        else reply(res, 503, 'text/plain; charset=utf-8', `${this.state}\n`)
        return
      case '/metrics':
        this.serveMetrics(res)
        return
      case '/':
      case '/index.html':
        reply(res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML)
        return
      case '/snapshot.json': {
        const snap = this.snapshot()
        if (snap === null) reply(res, 503, 'text/plain; charset=utf-8', 'starting\n')
        else reply(res, 200, 'application/json', JSON.stringify(snap))
        return
      }
      default:
        reply(res, 404, 'text/plain; charset=utf-8', 'not found\n')
    }
  }

  private serveMetrics(res: http.ServerResponse): void {
    const metrics = this.metrics
    if (metrics === null) {
      reply(res, 503, 'text/plain; charset=utf-8', 'starting\n')
      return
    }
    metrics.render().then(
      (text) => reply(res, 200, metrics.contentType, text),
      (err: unknown) => {
        this.options.log('error', 'metrics collection failed', { error: err })
        reply(res, 500, 'text/plain; charset=utf-8', 'metrics collection failed\n')
      },
    )
  }
}

function pathOf(req: http.IncomingMessage): string {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}

function reply(
  res: http.ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}
