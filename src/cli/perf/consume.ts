// `samsa perf consume`: fetches a topic's partitions in one Fetch request at a time, in an
// incremental fetch session as the Java consumer does, and measures end-to-end latency from the
// send time `samsa perf produce` embeds in the first record of each batch. The admin client only
// resolves the leader and the start offsets; fetching runs on a connection of its own that reads
// into one reused buffer, and the response is walked in place (error codes, batch headers, one
// value per batch): no records are decoded and no record bytes copied, so the consumer costs
// little next to the broker it measures.

import {
  AdminClient,
  EARLIEST,
  LATEST,
  fetchRequest,
  parseBootstrap,
} from '../../admin/client/client.js'
import { errorName } from '../../protocol/errors.js'
import { encodeRequest } from '../../protocol/header.js'
import { FetchRequestSchema } from '../../protocol/messages/fetch.js'
import { Writer, concatChunks } from '../../protocol/primitives/writer.js'
import { BatchScanner } from './batch-scan.js'
import { FETCH_VERSION, walkFetchResponse } from './fetch-response.js'
import { FetchSessionClient } from '../../admin/client/fetch-session.js'
import type { FetchPartitionVisitor } from './fetch-response.js'
import { nowMicros } from './frames.js'
import { Histogram } from './histogram.js'
import type { HistogramSummary } from './histogram.js'
import { PipelinedSocket } from './wire.js'

export interface PerfConsumeOptions {
  bootstrap: string
  topic: string
  /** Stop after this many records. */
  messages: number
  /** Start at the earliest offsets (default) or at the end (for end-to-end latency runs). */
  from?: 'earliest' | 'latest'
  fetchMaxBytes?: number
  /** Give up when no record arrived for this long. Default 15 s. */
  idleTimeoutMs?: number
  onProgress?: (consumed: number, elapsedSec: number) => void
  /** Called once the start offsets are known (a producer may start then). */
  onReady?: () => void
  /** End-to-end latency of records sent in the first this many seconds is not recorded. */
  warmupSeconds?: number
}

export interface PerfConsumeResult {
  messages: number
  /** Value bytes (first value length x records, per batch). */
  bytes: number
  /** Record batch bytes received. */
  batchBytes: number
  seconds: number
  msgsPerSec: number
  mbPerSec: number
  /** Send time in the record -> batch received, microseconds; empty without stamps. */
  endToEndUs: HistogramSummary
  fetches: number
  /** Fetches in an incremental fetch session (0: the broker granted none). */
  incrementalFetches: number
}

interface ConsumeStart {
  leader: { host: string; port: number }
  partitions: number[]
  offsets: number[]
}

/** The topic's partitions, their leader (one broker) and the offsets to start from. */
async function resolveStart(options: PerfConsumeOptions): Promise<ConsumeStart> {
  const admin = await AdminClient.connect(options.bootstrap)
  try {
    const md = await admin.metadata([options.topic])
    const t = md.topics.find((x) => x.name === options.topic)
    if (t === undefined || t.errorCode === 3)
      throw new Error(`topic '${options.topic}' does not exist`)
    if (t.errorCode !== 0) throw new Error(`topic '${options.topic}': ${errorName(t.errorCode)}`)
    const partitions = t.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b)
    const start = await admin.listOffsets(
      options.topic,
      partitions,
      options.from === 'latest' ? LATEST : EARLIEST,
    )
    const leaderId = t.partitions.find((p) => p.partitionIndex === partitions[0])?.leaderId
    const broker = md.brokers.find((b) => b.nodeId === leaderId)
    const leader = broker ?? parseBootstrap(options.bootstrap)[0]
    if (leader === undefined) throw new Error(`no broker to fetch ${options.topic} from`)
    return {
      leader: { host: leader.host, port: leader.port },
      partitions,
      offsets: partitions.map((p) => start.get(p) ?? 0),
    }
  } finally {
    await admin.close()
  }
}

export async function runPerfConsume(options: PerfConsumeOptions): Promise<PerfConsumeResult> {
  const { leader, partitions, offsets } = await resolveStart(options)
  // Sized for a typical response up front; it grows to the largest one and is then reused.
  const conn = await PipelinedSocket.connect(leader.host, leader.port, undefined, 4 << 20)
  try {
    const maxBytes = options.fetchMaxBytes ?? 50 << 20
    const perPartition = Math.max(1 << 20, Math.floor(maxBytes / partitions.length))
    const histogram = new Histogram()
    const scanner = new BatchScanner(histogram, (options.warmupSeconds ?? 0) * 1e6)
    const idleMs = options.idleTimeoutMs ?? 15_000
    const slotOf = new Map(partitions.map((p, i) => [p, i]))
    const request = fetchRequest(
      options.topic,
      partitions.map((partition) => ({ partition, offset: 0 })),
      { maxWaitMs: 100, maxBytes, partitionMaxBytes: perPartition },
    )
    const requested = request.topics[0]?.partitions ?? []
    // Every partition, always wanted; the session client sends the ones whose offset moved.
    const wanted = [...request.topics]
    const session = new FetchSessionClient()
    let receivedAt = 0
    const visit: FetchPartitionVisitor = (partition, errorCode, frame, start, end) => {
      if (errorCode !== 0)
        throw new Error(`fetch ${options.topic}-${partition}: ${errorName(errorCode)}`)
      const slot = slotOf.get(partition)
      if (slot === undefined) return
      offsets[slot] = scanner.scan(frame, start, end, offsets[slot] as number, receivedAt)
    }
    let correlationId = 0
    // One writer for the run: a fresh one per request allocated a 4 KiB ArrayBuffer each time,
    // ~6 MB/s of external memory at 1,500 fetches/s, and V8 answered with Mark-Compacts whose
    // helper threads took the CPUs the broker under test needed.
    const writer = new Writer(64 * 1024)
    /** One Fetch round trip; the response is walked inside the callback (its buffer is reused). */
    const fetchOnce = (): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        for (let i = 0; i < requested.length; i++)
          (requested[i] as { fetchOffset: number }).fetchOffset = offsets[i] as number
        session.prepare(request, wanted)
        const frame = concatChunks(
          encodeRequest(
            writer,
            FetchRequestSchema,
            FETCH_VERSION,
            ++correlationId,
            'samsa-perf',
            request,
          ),
        )
        conn.onError = reject
        conn.send(frame, (response) => {
          receivedAt = nowMicros()
          // A partition error throws from visit: the connection fails and rejects this fetch.
          const { errorCode, sessionId } = walkFetchResponse(response, FETCH_VERSION, visit)
          // A lost session is not a failure: the next fetch is full and opens a new one.
          if (!session.answered(errorCode, sessionId) || errorCode === 0) resolve()
          else reject(new Error(`fetch failed: ${errorName(errorCode)}`))
        })
      })

    let fetches = 0
    options.onReady?.()
    const t0 = nowMicros()
    let lastProgress = Date.now()
    let lastRecordAt = Date.now()
    while (scanner.records < options.messages) {
      const before = scanner.records
      await fetchOnce()
      fetches++
      const now = Date.now()
      if (scanner.records > before) lastRecordAt = now
      else if (now - lastRecordAt > idleMs) break
      if (options.onProgress !== undefined && now - lastProgress >= 1000) {
        lastProgress = now
        options.onProgress(scanner.records, (nowMicros() - t0) / 1e6)
      }
    }
    const seconds = (nowMicros() - t0) / 1e6
    const messages = scanner.records
    return {
      messages,
      bytes: scanner.valueBytes,
      batchBytes: scanner.batchBytes,
      seconds,
      msgsPerSec: messages / seconds,
      mbPerSec: scanner.valueBytes / 1e6 / seconds,
      endToEndUs: histogram.summary(),
      fetches,
      incrementalFetches: session.incrementalFetches,
    }
  } finally {
    conn.close()
  }
}
