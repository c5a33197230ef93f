// `samsa perf produce`: pipelined Produce requests from pre-encoded batches, at full speed or at
// a fixed rate. Produce latency is measured from the moment a batch was due to be sent (not when
// it actually left), so a stalled broker shows up in the percentiles instead of silently lowering
// the offered load (the "coordinated omission" correction of wrk2 / OMB).

import { AdminClient, parseBootstrap } from '../../admin/client/client.js'
import type { BrokerAddress } from '../../admin/client/client.js'
import { Histogram } from './histogram.js'
import type { HistogramSummary } from './histogram.js'
import { PRODUCE_VERSION, buildProduceFrame, nowMicros, stampFrame } from './frames.js'
import type { ProduceFrame } from './frames.js'
import { Pacer } from './pacer.js'
import { describeProduceFailure, produceResponseError } from './produce-response.js'
import { PipelinedSocket } from './wire.js'

export interface PerfProduceOptions {
  /** host:port of the broker (or a sink). */
  bootstrap: string
  topic: string
  /** Partitions to spread batches over (round robin); the topic is created with this many if absent. */
  partitions: number
  messages: number
  messageSize: number
  /** Records per batch (one batch per request). */
  batchRecords: number
  /** Requests in flight on the connection. */
  inflight: number
  /** Messages per second; 0 = as fast as the broker answers. */
  rate: number
  /**
   * Requests due in the first this many seconds are sent but left out of the histograms (both
   * ends warm up their JIT, connections and caches first, as OMB's warm-up phase does). Default 0.
   */
  warmupSeconds?: number
  /** 1, 0 or -1 (all). */
  acks: number
  /** Skip metadata and topic creation: the target is a sink that answers every Produce. */
  sink?: boolean
  congestion?: string
  /** Called about once a second with the messages acknowledged so far. */
  onProgress?: (acked: number, elapsedSec: number) => void
}

export interface PerfProduceResult {
  messages: number
  /** Value bytes acknowledged. */
  bytes: number
  seconds: number
  msgsPerSec: number
  mbPerSec: number
  /** Request sent (or due, at a fixed rate) -> response, in microseconds. */
  latencyUs: HistogramSummary
  /**
   * How late each request left after it could have: after its due time, or after a request slot
   * came free if none was at the due time (fixed rate; ~0 at full speed), microseconds. The
   * generator's own share of latencyUs; waiting for a slot (the broker's share) is not in it.
   */
  sendLagUs: HistogramSummary
  /** CPU time (user + system) this process spent during the run. */
  cpuSeconds: number
  requests: number
  congestion: string
}

/** The first bootstrap address: a sink run or a topic without a known leader goes there. */
function firstBootstrap(bootstrap: string): BrokerAddress {
  return parseBootstrap(bootstrap)[0] as BrokerAddress
}

/** Creates the topic when missing and returns the leader's address (single-leader targets). */
async function prepareTopic(options: PerfProduceOptions): Promise<{ host: string; port: number }> {
  const admin = await AdminClient.connect(options.bootstrap)
  try {
    let md = await admin.metadata([options.topic])
    let t = md.topics.find((x) => x.name === options.topic)
    if (t === undefined || t.errorCode !== 0 || t.partitions.length === 0) {
      await admin.createTopics({
        topics: [
          {
            name: options.topic,
            numPartitions: options.partitions,
            replicationFactor: 1,
            assignments: [],
            configs: [],
          },
        ],
      })
      for (let i = 0; i < 50; i++) {
        md = await admin.metadata([options.topic])
        t = md.topics.find((x) => x.name === options.topic)
        if (t !== undefined && t.errorCode === 0 && t.partitions.length >= options.partitions) break
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    if (t === undefined || t.partitions.length < options.partitions)
      throw new Error(`topic ${options.topic} has fewer than ${options.partitions} partitions`)
    const leaders = new Set(t.partitions.map((p) => p.leaderId))
    if (leaders.size !== 1)
      throw new Error('samsa perf drives one broker: the partitions have several leaders')
    const leader = md.brokers.find((b) => b.nodeId === t.partitions[0]?.leaderId)
    if (leader === undefined) return firstBootstrap(options.bootstrap)
    return { host: leader.host, port: leader.port }
  } finally {
    await admin.close()
  }
}

export async function runPerfProduce(options: PerfProduceOptions): Promise<PerfProduceResult> {
  const target =
    options.sink === true ? firstBootstrap(options.bootstrap) : await prepareTopic(options)
  const conn = await PipelinedSocket.connect(target.host, target.port, options.congestion, 64 << 10)
  const inflight = Math.max(1, options.inflight)
  const batchRecords = Math.max(1, Math.min(options.batchRecords, options.messages))
  const totalBatches = Math.ceil(options.messages / batchRecords)
  // One frame per in-flight slot: a slot is rewritten only after its response came back, so the
  // socket never holds a buffer that is being patched.
  const frames: ProduceFrame[] = []
  for (let i = 0; i < Math.min(inflight, totalBatches); i++)
    frames.push(
      buildProduceFrame({
        topic: options.topic,
        partition: 0,
        acks: options.acks,
        timeoutMs: 30_000,
        records: batchRecords,
        messageSize: options.messageSize,
      }),
    )
  const free: ProduceFrame[] = frames.slice()
  // Requests in flight, oldest first (responses come back in request order): a ring of frames
  // and their due times, so answering a response allocates nothing.
  const ring: ProduceFrame[] = frames.slice()
  const ringDue = new Float64Array(frames.length)
  let ringHead = 0
  let ringTail = 0
  const histogram = new Histogram()
  const sendLag = new Histogram()
  const intervalUs = options.rate > 0 ? (batchRecords / options.rate) * 1e6 : 0
  let sent = 0
  let acked = 0
  let ackedMessages = 0
  let requests = 0
  /** When the free list last went from empty to non-empty: a send could leave from then on. */
  let slotFreeSince = 0
  const cpu0 = process.cpuUsage()
  const t0 = nowMicros()
  const recordFrom = t0 + (options.warmupSeconds ?? 0) * 1e6

  return await new Promise<PerfProduceResult>((resolve, reject) => {
    let progress: NodeJS.Timeout | null = null
    let finished = false
    const finish = (err: Error | null): void => {
      if (finished) return
      finished = true
      pacer.cancel()
      if (progress !== null) clearInterval(progress)
      conn.close()
      if (err !== null) {
        reject(err)
        return
      }
      const seconds = (nowMicros() - t0) / 1e6
      const cpu = process.cpuUsage(cpu0)
      const bytes = ackedMessages * options.messageSize
      resolve({
        messages: ackedMessages,
        bytes,
        seconds,
        msgsPerSec: ackedMessages / seconds,
        mbPerSec: bytes / 1e6 / seconds,
        latencyUs: histogram.summary(),
        sendLagUs: sendLag.summary(),
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        requests,
        congestion,
      })
    }
    const congestion = conn.congestion()
    conn.onError = (err) => finish(err)
    if (options.onProgress !== undefined) {
      const cb = options.onProgress
      progress = setInterval(() => cb(ackedMessages, (nowMicros() - t0) / 1e6), 1000)
    }

    const onResponse = (response: Buffer): void => {
      const now = nowMicros()
      const frame = ring[ringHead] as ProduceFrame
      const due = ringDue[ringHead] as number
      ringHead = (ringHead + 1) % ring.length
      if (produceResponseError(response, PRODUCE_VERSION) !== 0) {
        finish(new Error(describeProduceFailure(response, PRODUCE_VERSION)))
        return
      }
      if (due >= recordFrom) histogram.record(now - due, frame.records)
      if (free.length === 0) slotFreeSince = now
      free.push(frame)
      acked++
      ackedMessages += frame.records
      if (acked === totalBatches) finish(null)
      else pump()
    }

    const sendOne = (due: number): void => {
      const frame = free.pop() as ProduceFrame
      const index = sent++
      // Every batch is whole: the message count rounds up to a multiple of the batch size.
      stampFrame(frame, ++requests, index % options.partitions, due)
      ring[ringTail] = frame
      ringDue[ringTail] = due
      ringTail = (ringTail + 1) % ring.length
      if (due >= recordFrom)
        sendLag.record(nowMicros() - Math.max(due, slotFreeSince), frame.records)
      conn.send(frame.buf, onResponse)
    }

    const pump = (): void => {
      if (finished) return
      if (intervalUs === 0) {
        while (free.length > 0 && sent < totalBatches) sendOne(nowMicros())
        return
      }
      const now = nowMicros()
      while (free.length > 0 && sent < totalBatches) {
        const due = t0 + sent * intervalUs
        if (due > now) break
        sendOne(due)
      }
      // With every slot busy the next response calls pump(); no need to wake before.
      if (sent < totalBatches && free.length > 0) pacer.at(t0 + sent * intervalUs)
    }
    const pacer = new Pacer(pump)
    pump()
  })
}
