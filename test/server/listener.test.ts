import { describe, expect, it } from 'vitest'
import { BrokerServer } from '../../src/server/listener.js'
import type { LogFn } from '../../src/server/logger.js'
import { newBrokerStats } from '../../src/server/stats.js'
import { RawClient } from './raw-client.js'

function echoFrame(frame: Buffer): { chunks: Buffer[] } {
  const out = Buffer.alloc(8)
  out.writeInt32BE(4, 0)
  out.writeInt32BE(frame.readInt32BE(4), 4)
  return { chunks: [out] }
}

function request(correlationId: number): Buffer {
  const f = Buffer.alloc(12)
  f.writeInt32BE(8, 0)
  f.writeInt32BE(correlationId, 8)
  return f
}

describe('BrokerServer', () => {
  it('a congestion algorithm the kernel refuses is logged once; connections still work', async () => {
    const lines: string[] = []
    const log: LogFn = (level, msg) => lines.push(`${level} ${msg}`)
    const stats = newBrokerStats()
    const server = await BrokerServer.listen([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0 }], {
      maxRequestBytes: 1000,
      idleTimeoutMs: -1,
      maxInFlightBytes: -1,
      tcpCongestion: 'no-such-algorithm',
      handleFrame: echoFrame,
      stats,
      log,
    })
    const port = server.bound[0]?.port as number
    expect(port).toBeGreaterThan(0)
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(port)
      c.write(request(i))
      expect(((await c.next()) as Buffer).readInt32BE(0)).toBe(i)
      c.close()
    }
    const refused = lines.filter((l) => l.includes('samsa.tcp.congestion=no-such-algorithm'))
    expect(refused).toHaveLength(1)
    expect(refused[0]).toMatch(/^warn .*refused by the kernel/)
    expect(stats.connectionsOpened).toBe(3)
    await server.close(1000)
  })

  it('close() stops accepting and cuts connections that do not finish in time', async () => {
    const server = await BrokerServer.listen([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0 }], {
      maxRequestBytes: 1000,
      idleTimeoutMs: -1,
      maxInFlightBytes: -1,
      tcpCongestion: '',
      handleFrame: () => new Promise(() => undefined),
      stats: newBrokerStats(),
      log: () => undefined,
    })
    const port = server.bound[0]?.port as number
    const c = await RawClient.connect(port)
    c.write(request(1))
    await new Promise((r) => setTimeout(r, 20))
    const t0 = Date.now()
    await server.close(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150)
    expect(await c.waitClosed(2000)).toBe(true)
    await expect(RawClient.connect(port)).rejects.toThrow(/ECONNREFUSED/)
  })

  it('a port in use is a clear start-up error', async () => {
    const opts = {
      maxRequestBytes: 1000,
      idleTimeoutMs: -1,
      maxInFlightBytes: -1,
      tcpCongestion: '',
      handleFrame: echoFrame,
      stats: newBrokerStats(),
      log: () => undefined,
    }
    const a = await BrokerServer.listen([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0 }], opts)
    const port = a.bound[0]?.port as number
    await expect(
      BrokerServer.listen([{ name: 'PLAINTEXT', host: '127.0.0.1', port }], opts),
    ).rejects.toThrow(new RegExp(`cannot listen on PLAINTEXT://127.0.0.1:${port}: .*EADDRINUSE`))
    await a.close(100)
  })
})
