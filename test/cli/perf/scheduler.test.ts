// The fixed-rate schedule: the pacer never fires early and is usually well under a millisecond
// late; the generator holds the offered rate; and latency counts from the due time, so a slow
// server that holds the generator back shows up in the percentiles (coordinated omission).
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { FrameReader } from '../../../src/server/frame-reader.js'
import { PRODUCE_VERSION, nowMicros } from '../../../src/cli/perf/frames.js'
import { Pacer } from '../../../src/cli/perf/pacer.js'
import { runPerfProduce } from '../../../src/cli/perf/produce.js'
import { cannedResponse } from '../../../src/cli/perf/sink.js'

describe('Pacer', () => {
  it('fires at, never before, each due time', async () => {
    const lateness: number[] = []
    const t0 = nowMicros() + 2000
    await new Promise<void>((resolve) => {
      let n = 0
      const pacer = new Pacer(() => {
        lateness.push(nowMicros() - (t0 + n * 1500))
        if (++n === 300) resolve()
        else pacer.at(t0 + n * 1500)
      })
      pacer.at(t0)
    })
    lateness.sort((a, b) => a - b)
    expect(lateness[0]).toBeGreaterThanOrEqual(0)
    // setTimeout alone is ~1 ms late at the median here; the pacer is meant to be far closer.
    expect(lateness[150]).toBeLessThan(500)
  })

  it('moves a pending wake-up earlier and cancels', async () => {
    const fired: number[] = []
    const pacer = new Pacer(() => fired.push(nowMicros()))
    const start = nowMicros()
    pacer.at(start + 200_000)
    pacer.at(start + 5_000)
    await new Promise((r) => setTimeout(r, 60))
    expect(fired.length).toBe(1)
    expect((fired[0] as number) - start).toBeGreaterThanOrEqual(5_000)
    pacer.at(nowMicros() + 10_000)
    pacer.cancel()
    await new Promise((r) => setTimeout(r, 30))
    expect(fired.length).toBe(1)
  })
})

/** A Produce v7 target that answers every request after `delayMs` (0: at once). */
async function startFakeBroker(
  delayMs: number,
): Promise<{ port: number; close: () => Promise<void> }> {
  const template = cannedResponse(PRODUCE_VERSION)
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.setNoDelay(true)
    s.on('close', () => sockets.delete(s))
    const reader = new FrameReader(1 << 30, (req) => {
      const res = Buffer.from(template)
      res.writeInt32BE(req.readInt32BE(4), 4) // correlation id
      if (delayMs === 0) s.write(res)
      else setTimeout(() => s.write(res), delayMs)
    })
    s.on('data', (chunk: Buffer) => {
      for (let pos = 0; pos < chunk.length;) {
        const target = reader.readBuffer()
        const n = Math.min(target.length, chunk.length - pos)
        chunk.copy(target, 0, pos, pos + n)
        pos += n
        try {
          reader.received(n)
        } catch {
          s.destroy()
          return
        }
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

describe('fixed-rate produce', () => {
  let broker: { port: number; close: () => Promise<void> } | null = null
  afterEach(async () => {
    await broker?.close()
    broker = null
  })

  it('holds the offered rate', async () => {
    broker = await startFakeBroker(0)
    const p = await runPerfProduce({
      bootstrap: `127.0.0.1:${broker.port}`,
      topic: 't',
      partitions: 1,
      messages: 4000,
      messageSize: 100,
      batchRecords: 20,
      inflight: 4,
      rate: 4000,
      acks: 1,
      sink: true,
    })
    // 200 batches at 200 batches/s: the last is due at 0.995 s.
    expect(p.messages).toBe(4000)
    expect(p.seconds).toBeGreaterThan(0.99)
    expect(p.seconds).toBeLessThan(1.5)
    expect(p.msgsPerSec).toBeGreaterThan(4000 / 1.5)
    expect(p.msgsPerSec).toBeLessThan(4000 * 1.01)
    // A prompt server: the requests leave on time and come back fast (bounds loose enough for
    // a busy 2-core machine running other tests at once).
    expect(p.sendLagUs.p50).toBeLessThan(2000)
    expect(p.latencyUs.p50).toBeLessThan(10_000)
    expect(p.cpuSeconds).toBeGreaterThan(0)
  })

  it('counts latency from the due time when a slow server holds the generator back', async () => {
    broker = await startFakeBroker(40)
    const p = await runPerfProduce({
      bootstrap: `127.0.0.1:${broker.port}`,
      topic: 't',
      partitions: 1,
      messages: 120,
      messageSize: 64,
      batchRecords: 10,
      inflight: 1,
      rate: 1000, // a batch due every 10 ms, but each takes 40 ms to answer
      acks: 1,
      sink: true,
    })
    // Batch k leaves at ~40k ms but was due at 10k ms: the last of 12 waits ~330 ms + 40 ms.
    // The fake broker's 40 ms timer counts from libuv's cached loop time, which can lag the
    // request's arrival by up to a millisecond (seen: 39.6 ms on a busy machine).
    expect(p.latencyUs.min).toBeGreaterThanOrEqual(39_000)
    expect(p.latencyUs.max).toBeGreaterThan(300_000)
    expect(p.latencyUs.p50).toBeGreaterThan(150_000)
    // None of that is the generator's own lateness: each send left as soon as the slot was free.
    expect(p.sendLagUs.p50).toBeLessThan(5_000)
    expect(p.seconds).toBeGreaterThan(0.45)
  })
})
