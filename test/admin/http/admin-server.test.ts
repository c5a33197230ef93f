// The admin listener's endpoints: /health and /ready through start-up and shutdown, the address
// property, the dashboard page, and the WebSocket feed of snapshots.
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { parseAdminListener } from '../../../src/admin/http/admin-address.js'
import { AdminServer } from '../../../src/admin/http/admin-server.js'
import { startAdminListener } from '../../../src/admin/http/start-admin.js'
import type { DashboardSnapshot } from '../../../src/admin/http/snapshot.js'
import { ConfigError } from '../../../src/config/broker-config.js'
import type { BrokerConfig } from '../../../src/config/broker-config.js'
import { topicManagerFor } from '../../../src/metadata/topic-manager.js'
import { KafkaTestClient, startTestBroker } from './admin-helpers.js'
import type { TestBroker } from './admin-helpers.js'

async function get(url: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(url)
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') }
}

describe('admin.listener', () => {
  it('parses host:port, [v6]:port, and empty as off', () => {
    expect(parseAdminListener('127.0.0.1:9644')).toEqual({ host: '127.0.0.1', port: 9644 })
    expect(parseAdminListener('[::1]:0')).toEqual({ host: '::1', port: 0 })
    expect(parseAdminListener(':9000')).toEqual({ host: '0.0.0.0', port: 9000 })
    expect(parseAdminListener('  ')).toBeNull()
    expect(() => parseAdminListener('localhost')).toThrow(ConfigError)
    expect(() => parseAdminListener('h:70000')).toThrow(/above 65535/)
  })

  it('empty disables the listener', async () => {
    const tb = await startTestBroker([['admin.listener', '']])
    try {
      expect(tb.broker.admin).toBeNull()
    } finally {
      await tb.stop()
    }
  })

  it('a configured address that is taken stops start-up', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      await expect(startTestBroker([['admin.listener', `127.0.0.1:${port}`]])).rejects.toThrow(
        /cannot listen on admin 127\.0\.0\.1/,
      )
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })
})

describe('startAdminListener', () => {
  it('only warns when the built-in default address is taken', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    const config = (source: string): BrokerConfig =>
      ({
        values: new Map([['admin.listener', `127.0.0.1:${port}`]]),
        sources: new Map([['admin.listener', source]]),
      }) as unknown as BrokerConfig
    const warnings: string[] = []
    try {
      const admin = await startAdminListener(config('default'), (level, msg) => {
        if (level === 'warn') warnings.push(msg)
      })
      expect(admin).toBeNull()
      expect(warnings).toEqual([expect.stringMatching(/metrics and dashboard are off/)])
      await expect(startAdminListener(config('file'), () => {})).rejects.toThrow(/admin/)
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })
})

describe('AdminServer before attach', () => {
  it('answers /health, but /ready and /metrics are 503 while starting', async () => {
    const admin = await AdminServer.listen({ host: '127.0.0.1', port: 0 }, { log: () => {} })
    try {
      expect(admin.port).toBeGreaterThan(0)
      expect((await get(`${admin.url}/health`)).status).toBe(200)
      const ready = await get(`${admin.url}/ready`)
      expect(ready.status).toBe(503)
      expect(ready.body).toBe('starting\n')
      expect((await get(`${admin.url}/metrics`)).status).toBe(503)
      expect((await get(`${admin.url}/nope`)).status).toBe(404)
      const post = await fetch(`${admin.url}/health`, { method: 'POST' })
      expect(post.status).toBe(405)
    } finally {
      await admin.close()
    }
  })
})

describe('admin endpoints of a running broker', () => {
  let tb: TestBroker
  beforeAll(async () => {
    tb = await startTestBroker()
  })
  afterAll(async () => {
    await tb?.stop()
  })

  it('serves /health, /ready and the dashboard page', async () => {
    expect((await get(`${tb.adminUrl}/health`)).status).toBe(200)
    const ready = await get(`${tb.adminUrl}/ready`)
    expect(ready.status).toBe(200)
    const page = await get(`${tb.adminUrl}/`)
    expect(page.status).toBe(200)
    expect(page.type).toBe('text/html; charset=utf-8')
    expect(page.body).toContain('id="chart-bytes-in"')
    // Self-contained: nothing loaded from another origin.
    expect(page.body).not.toMatch(/\b(src|href)="(https?:)?\/\//)
    const snap = await get(`${tb.adminUrl}/snapshot.json`)
    expect(snap.status).toBe(200)
    const parsed = JSON.parse(snap.body) as DashboardSnapshot
    expect(parsed.broker.nodeId).toBe(1)
    expect(parsed.broker.advertised).toBe(`127.0.0.1:${tb.kafkaPort}`)
  })

  it('pushes a snapshot on connect and about once a second after', async () => {
    await topicManagerFor(tb.broker.services).create('live', 1, {})
    const ws = new WebSocket(`${tb.adminUrl.replace('http', 'ws')}/ws`)
    const received: DashboardSnapshot[] = []
    const waiters: Array<() => void> = []
    ws.on('message', (data) => {
      received.push(JSON.parse(String(data)) as DashboardSnapshot)
      for (const w of waiters.splice(0)) w()
    })
    const next = async (pred: (s: DashboardSnapshot) => boolean): Promise<DashboardSnapshot> => {
      const deadline = Date.now() + 10_000
      for (;;) {
        const hit = received.find(pred)
        if (hit !== undefined) return hit
        if (Date.now() > deadline) throw new Error(`no matching snapshot in ${received.length}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 200)
        })
      }
    }
    try {
      const first = await next(() => true)
      const live = first.topics.find((t) => t.name === 'live')
      expect(live?.partitions).toEqual([
        expect.objectContaining({ partition: 0, logEndOffset: 0, highWatermark: 0, isr: [1] }),
      ])
      expect(first.groups).toEqual([])
      const client = await KafkaTestClient.connect(tb.kafkaPort)
      await client.produce('live', 0, 25)
      await client.close()
      const after = await next(
        (s) => s.topics.find((t) => t.name === 'live')?.partitions[0]?.logEndOffset === 25,
      )
      const topic = after.topics.find((t) => t.name === 'live')!
      expect(topic.messagesIn).toBe(25)
      expect(topic.sizeBytes).toBe(tb.broker.services.logs.get('live', 0)!.sizeInBytes())
      const rate = await next((s) => s.throughput.some((p) => p.messagesInPerSec > 0))
      expect(rate.throughput.at(-1)!.t).toBeLessThanOrEqual(rate.time)
      expect(received.length).toBeGreaterThanOrEqual(2)
    } finally {
      ws.close()
    }
  })

  it('/ready turns 503 while the broker drains, and the listener closes after', async () => {
    // A half-open client connection keeps the drain (and so the shutdown) in progress.
    const held = net.connect({ port: tb.kafkaPort, host: '127.0.0.1', allowHalfOpen: true })
    await new Promise<void>((resolve) => held.once('connect', () => resolve()))
    const url = tb.adminUrl
    const closing = tb.broker.close()
    try {
      const ready = await get(`${url}/ready`)
      expect(ready.status).toBe(503)
      expect(ready.body).toBe('stopping\n')
      expect((await get(`${url}/health`)).status).toBe(200)
    } finally {
      held.destroy()
      await closing
    }
    await expect(fetch(`${url}/health`)).rejects.toThrow()
  })
})
