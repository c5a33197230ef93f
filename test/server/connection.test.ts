import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { CloseConnection, Connection } from '../../src/server/connection.js'
import type { FrameHandler, Response } from '../../src/server/connection.js'
import type { LogFn } from '../../src/server/logger.js'
import { newBrokerStats } from '../../src/server/stats.js'
import { RawClient } from './raw-client.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
})

function req(correlationId: number, tag: number): Buffer {
  const f = Buffer.alloc(4 + 12)
  f.writeInt32BE(12, 0)
  f.writeInt16BE(1000, 4)
  f.writeInt16BE(0, 6)
  f.writeInt32BE(correlationId, 8)
  f.writeInt32BE(tag, 12)
  return f
}

function resp(correlationId: number): Response {
  const b = Buffer.alloc(8)
  b.writeInt32BE(4, 0)
  b.writeInt32BE(correlationId, 4)
  return { chunks: [b] }
}

async function serve(
  handleFrame: FrameHandler,
  extra: { idleTimeoutMs?: number; maxInFlight?: number; ownedReads?: boolean } = {},
): Promise<{ client: RawClient; logs: string[]; conn: () => Connection }> {
  const logs: string[] = []
  const log: LogFn = (_level, msg) => logs.push(msg)
  let conn: Connection | undefined
  // pauseOnConnect: the broker's listener does it, and only such sockets read into the
  // connection's own buffer (onread); others are read as a stream.
  const srv = net.createServer({ allowHalfOpen: true, pauseOnConnect: extra.ownedReads }, (s) => {
    conn = new Connection(s, {
      id: 1,
      maxRequestBytes: 1000,
      idleTimeoutMs: extra.idleTimeoutMs ?? -1,
      maxInFlight: extra.maxInFlight,
      handleFrame,
      stats: newBrokerStats(),
      log,
    })
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const client = await RawClient.connect((srv.address() as net.AddressInfo).port)
  cleanups.push(() => {
    client.close()
    srv.close()
  })
  while (conn === undefined) await new Promise((r) => setTimeout(r, 5))
  return { client, logs, conn: () => conn as Connection }
}

describe('Connection', () => {
  it('answers in request order even when handlers finish out of order; null sends nothing', async () => {
    const { client } = await serve((frame) => {
      const corr = frame.readInt32BE(4)
      const delay = frame.readInt32BE(8)
      if (corr === 3) return null
      if (delay === 0) return resp(corr)
      return new Promise((r) => setTimeout(() => r(resp(corr)), delay))
    })
    client.write(Buffer.concat([req(1, 60), req(2, 0), req(3, 0), req(4, 20), req(5, 0)]))
    const got: number[] = []
    for (let i = 0; i < 4; i++) got.push(((await client.next()) as Buffer).readInt32BE(0))
    expect(got).toEqual([1, 2, 4, 5])
  })

  it('a failing request closes the connection after earlier responses went out', async () => {
    let released = 0
    const { client, logs } = await serve((frame) => {
      const corr = frame.readInt32BE(4)
      if (corr === 2) throw new CloseConnection('bad thing')
      return new Promise((r) =>
        setTimeout(() => r({ ...resp(corr), onSent: () => released++ }), 30),
      )
    })
    client.write(Buffer.concat([req(1, 0), req(2, 0), req(3, 0)]))
    expect(((await client.next()) as Buffer).readInt32BE(0)).toBe(1)
    expect(await client.next()).toBeNull()
    expect(await client.waitClosed()).toBe(true)
    expect(logs.some((l) => l.includes('bad thing'))).toBe(true)
    await new Promise((r) => setTimeout(r, 60))
    // Request 3 was never answered, but its pins were released when it completed.
    expect(released).toBe(2)
  })

  it('a rejected handler promise closes the connection too', async () => {
    const { client, logs } = await serve(() => Promise.reject(new Error('boom')))
    client.write(req(1, 0))
    expect(await client.next()).toBeNull()
    expect(await client.waitClosed()).toBe(true)
    expect(logs).toContain('closing connection: request failed')
  })

  it('pauses reading at the in-flight bound and resumes when answers go out', async () => {
    const pending: Array<() => void> = []
    let seen = 0
    const { client } = await serve(
      (frame) => {
        seen++
        const corr = frame.readInt32BE(4)
        return new Promise<Response>((r) => pending.push(() => r(resp(corr))))
      },
      { maxInFlight: 2 },
    )
    // Separate writes so the splitter does not see them in one chunk.
    for (let i = 1; i <= 6; i++) {
      client.write(req(i, 0))
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(seen).toBe(2)
    while (seen < 6 || pending.length > 0) {
      const p = pending.shift()
      if (p === undefined) await new Promise((r) => setTimeout(r, 5))
      else p()
    }
    for (let i = 1; i <= 6; i++) expect(((await client.next()) as Buffer).readInt32BE(0)).toBe(i)
  })

  it('closes an idle connection after connections.max.idle.ms', async () => {
    const { client, logs } = await serve((f) => resp(f.readInt32BE(4)), { idleTimeoutMs: 100 })
    client.write(req(1, 0))
    await client.next()
    const t0 = Date.now()
    expect(await client.waitClosed(3000)).toBe(true)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(80)
    expect(logs).toContain('closing idle connection')
  })

  it('drain() answers in-flight requests, then ends the socket', async () => {
    const { client, conn } = await serve(
      (f) => new Promise((r) => setTimeout(() => r(resp(f.readInt32BE(4))), 40)),
    )
    client.write(req(9, 0))
    await new Promise((r) => setTimeout(r, 10))
    const drained = conn().drain()
    expect(((await client.next()) as Buffer).readInt32BE(0)).toBe(9)
    client.socket.end()
    await drained
    expect(conn().isClosed).toBe(true)
  })

  it.each([false, true])(
    'drain() right after the client hung up ends at once (owned reads: %s)',
    async (ownedReads) => {
      const { client, conn } = await serve((f) => resp(f.readInt32BE(4)), { ownedReads })
      client.close()
      const t0 = Date.now()
      // Started before the server read the FIN: a paused socket would never see it.
      const drained = conn().drain()
      const timedOut = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 2000))
      expect(await Promise.race([drained.then(() => 'drained' as const), timedOut])).toBe('drained')
      expect(Date.now() - t0).toBeLessThan(1000)
      expect(conn().isClosed).toBe(true)
    },
  )
})
