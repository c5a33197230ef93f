// samsa perf produce / consume against a real broker process, and the sink ceiling mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runPerfConsume } from '../../../src/cli/perf/consume.js'
import type { PerfConsumeResult } from '../../../src/cli/perf/consume.js'
import { buildProduceFrame, locateFirstValue, stampFrame } from '../../../src/cli/perf/frames.js'
import { runPerfProduce } from '../../../src/cli/perf/produce.js'
import type { PerfProduceOptions } from '../../../src/cli/perf/produce.js'
import { startSinkServer } from '../../../src/cli/perf/sink.js'
import type { SinkServer } from '../../../src/cli/perf/sink.js'
import { batchCrcValid } from '../../../src/log/record-batch.js'
import { runSamsa, startBrokerProcess } from '../../helpers/broker-process.js'
import type { BrokerProcess } from '../../helpers/broker-process.js'

describe('perf frames', () => {
  it('stamps correlation id, partition, send time and a valid CRC', () => {
    const f = buildProduceFrame({
      topic: 't',
      partition: 0,
      acks: 1,
      timeoutMs: 1000,
      records: 5,
      messageSize: 100,
    })
    stampFrame(f, 77, 3, 1_700_000_000_123_456)
    expect(f.buf.readInt32BE(0)).toBe(f.buf.length - 4)
    expect(f.buf.readInt32BE(8)).toBe(77)
    expect(f.buf.readInt32BE(f.partitionOffset)).toBe(3)
    expect(batchCrcValid(f.buf, f.batchOffset, f.batchLength)).toBe(true)
    const v = locateFirstValue(f.buf, f.batchOffset)
    expect(v?.length).toBe(100)
    expect(f.buf.readDoubleBE(v?.offset ?? 0)).toBe(1_700_000_000_123_456)
  })
})

describe('samsa perf against a broker', () => {
  let broker: BrokerProcess
  beforeAll(async () => {
    broker = await startBrokerProcess()
  })
  afterAll(async () => {
    await broker.stop()
  })

  /** runPerfProduce against the test broker, acks=1 unless given. */
  const produce = (o: Omit<PerfProduceOptions, 'bootstrap' | 'acks'> & { acks?: number }) =>
    runPerfProduce({ bootstrap: broker.bootstrap, acks: 1, ...o })

  /**
   * Creates the topic with 100 records the consumer must not count, then starts a consumer at its
   * end; resolves once the consumer is ready for the producer.
   */
  async function consumeFromEnd(
    topic: string,
    partitions: number,
    messages: number,
    warmupSeconds?: number,
  ): Promise<{ done: Promise<PerfConsumeResult> }> {
    await produce({
      topic,
      partitions,
      messages: 100,
      messageSize: 100,
      batchRecords: 50,
      inflight: 2,
      rate: 0,
    })
    let ready!: () => void
    const isReady = new Promise<void>((r) => (ready = r))
    const consumed = runPerfConsume({
      bootstrap: broker.bootstrap,
      topic,
      messages,
      from: 'latest',
      idleTimeoutMs: 5000,
      onReady: ready,
      warmupSeconds,
    })
    await isReady
    return { done: consumed }
  }

  it('produces and consumes a few thousand messages with sane histograms', async () => {
    const p = await produce({
      topic: 'perf-a',
      partitions: 3,
      messages: 3000,
      messageSize: 200,
      batchRecords: 100,
      inflight: 4,
      rate: 0,
      acks: -1,
    })
    expect(p.messages).toBe(3000)
    expect(p.requests).toBe(30)
    expect(p.bytes).toBe(600_000)
    expect(p.latencyUs.count).toBe(3000)
    expect(p.latencyUs.p50).toBeGreaterThan(0)
    expect(p.latencyUs.p50).toBeLessThanOrEqual(p.latencyUs.p99)
    expect(p.latencyUs.p99).toBeLessThanOrEqual(p.latencyUs.max)
    const c = await runPerfConsume({
      bootstrap: broker.bootstrap,
      topic: 'perf-a',
      messages: 3000,
      idleTimeoutMs: 5000,
    })
    expect(c.messages).toBe(3000)
    expect(c.bytes).toBe(600_000)
    expect(c.endToEndUs.count).toBe(3000)
    expect(c.endToEndUs.min).toBeGreaterThan(0)
    // The broker granted a fetch session; one fetch was enough here.
    expect(c.fetches - c.incrementalFetches).toBe(1)
  })

  it('consumes from latest while a fixed-rate producer runs (end-to-end latency)', async () => {
    const consumed = (await consumeFromEnd('perf-d', 2, 3000)).done
    const p = await produce({
      topic: 'perf-d',
      partitions: 2,
      messages: 3000,
      messageSize: 512,
      batchRecords: 30,
      inflight: 4,
      rate: 10_000,
    })
    const c = await consumed
    // The 100 records written before the consumer started are not counted.
    expect(p.messages).toBe(3000)
    expect(c.messages).toBe(3000)
    expect(c.bytes).toBe(3000 * 512)
    expect(c.endToEndUs.count).toBe(3000)
    expect(c.endToEndUs.p50).toBeLessThan(1_000_000)
    // Tailing a producer takes many fetches: all but the first in the session it opened.
    expect(c.fetches).toBeGreaterThan(10)
    expect(c.incrementalFetches).toBe(c.fetches - 1)
    await expect(
      runPerfConsume({ bootstrap: broker.bootstrap, topic: 'no-such-topic', messages: 1 }),
    ).rejects.toThrow(/does not exist/)
  })

  it('leaves the warm-up out of both histograms (produce and end-to-end)', async () => {
    const consumed = (await consumeFromEnd('perf-w', 1, 2000, 0.25)).done
    // 2000 records in 100 batches at 4000/s: the batches due in the first 0.25 s (~50) are sent
    // but not recorded.
    const p = await produce({
      topic: 'perf-w',
      partitions: 1,
      messages: 2000,
      messageSize: 100,
      batchRecords: 20,
      inflight: 8,
      rate: 4000,
      warmupSeconds: 0.25,
    })
    const c = await consumed
    expect(p.messages).toBe(2000)
    expect(c.messages).toBe(2000)
    for (const h of [p.latencyUs, p.sendLagUs, c.endToEndUs]) {
      expect(h.count).toBeGreaterThanOrEqual(800)
      expect(h.count).toBeLessThanOrEqual(1200)
    }
  })

  it('holds a fixed rate', async () => {
    const t0 = Date.now()
    const p = await produce({
      topic: 'perf-b',
      partitions: 1,
      messages: 2000,
      messageSize: 64,
      batchRecords: 50,
      inflight: 8,
      rate: 4000,
    })
    // 40 batches at 80 batches/s: the last is due after ~0.49 s.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450)
    expect(p.msgsPerSec).toBeLessThan(4000 * 1.1)
  })

  it('runs as a command with --json', async () => {
    const r = await runSamsa([
      'perf',
      'produce',
      '--json',
      '-b',
      broker.bootstrap,
      '--topic',
      'perf-c',
      '--messages',
      '1000',
      '--message-size',
      '100',
    ])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.output.trim().split('\n').at(-1) ?? '') as {
      mode: string
      messages: number
    }
    expect(j.mode).toBe('produce')
    expect(j.messages).toBeGreaterThanOrEqual(1000)
    const bad = await runSamsa(['perf', 'produce', '--acks', '0', '--topic', 'x'])
    expect(bad.code).toBe(2)
  })
})

describe('sink ceiling', () => {
  let sink: SinkServer
  beforeAll(async () => {
    sink = await startSinkServer()
  })
  afterAll(async () => {
    await sink.close()
  })

  it('answers every produce request', async () => {
    const p = await runPerfProduce({
      bootstrap: `127.0.0.1:${sink.port}`,
      topic: 'sink',
      partitions: 2,
      messages: 20_000,
      messageSize: 1024,
      batchRecords: 60,
      inflight: 8,
      rate: 0,
      acks: 1,
      sink: true,
    })
    expect(p.requests).toBe(Math.ceil(20_000 / 60))
    expect(sink.requests()).toBe(p.requests)
    expect(p.latencyUs.count).toBe(p.messages)
  })

  it('runs as a separate process with perf produce --sink', async () => {
    const r = await runSamsa(['perf', 'produce', '--sink', '--json', '--messages', '5000'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.output.trim().split('\n').at(-1) ?? '') as {
      messages: number
      msgsPerSec: number
    }
    expect(j.messages).toBeGreaterThanOrEqual(5000)
    expect(j.msgsPerSec).toBeGreaterThan(0)
  })
})
