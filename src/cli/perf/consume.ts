// `samsa perf consume`: fetches a topic's partitions in one Fetch request at a time (as a
// consumer does), walks the record batches without decoding records, and measures end-to-end
// latency from the send time `samsa perf produce` embeds in the first record of each batch.

import { AdminClient, EARLIEST, LATEST } from '../../admin/client/client.js'
import { errorName } from '../../protocol/errors.js'
import { FetchRequestSchema, FetchResponseSchema } from '../../protocol/messages/fetch.js'
import type { FetchRequest, FetchResponse } from '../../protocol/messages/fetch.js'
import { Histogram } from './histogram.js'
import type { HistogramSummary } from './histogram.js'
import { STAMP_BYTES, locateFirstValue, nowMicros } from './frames.js'

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
}

export async function runPerfConsume(options: PerfConsumeOptions): Promise<PerfConsumeResult> {
  const admin = await AdminClient.connect(options.bootstrap)
  try {
    const meta = await admin.topic(options.topic)
    const partitions = meta.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b)
    const start = await admin.listOffsets(
      options.topic,
      partitions,
      options.from === 'latest' ? LATEST : EARLIEST,
    )
    const offsets = partitions.map((p) => start.get(p) ?? 0)
    const conn = await admin.leaderOf(options.topic, partitions[0] ?? 0)
    const maxBytes = options.fetchMaxBytes ?? 50 << 20
    const perPartition = Math.max(1 << 20, Math.floor(maxBytes / partitions.length))
    const histogram = new Histogram()
    const idleMs = options.idleTimeoutMs ?? 15_000
    let messages = 0
    let bytes = 0
    let batchBytes = 0
    let fetches = 0
    options.onReady?.()
    const t0 = nowMicros()
    let lastProgress = Date.now()
    let lastRecordAt = Date.now()
    const request: FetchRequest = {
      clusterId: null,
      replicaId: -1,
      maxWaitMs: 100,
      minBytes: 1,
      maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: options.topic,
          partitions: partitions.map((partition) => ({
            partition,
            currentLeaderEpoch: -1,
            fetchOffset: 0,
            lastFetchedEpoch: -1,
            logStartOffset: -1,
            partitionMaxBytes: perPartition,
          })),
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    }
    const requested = request.topics[0]?.partitions ?? []
    while (messages < options.messages) {
      for (let i = 0; i < requested.length; i++)
        (requested[i] as { fetchOffset: number }).fetchOffset = offsets[i] as number
      const res = await conn.send<FetchRequest, FetchResponse>(
        FetchRequestSchema,
        FetchResponseSchema,
        request,
      )
      fetches++
      if (res.errorCode !== 0) throw new Error(`fetch failed: ${errorName(res.errorCode)}`)
      const receivedAt = nowMicros()
      let got = 0
      for (const t of res.responses)
        for (const p of t.partitions) {
          if (p.errorCode !== 0)
            throw new Error(`fetch ${t.topic}-${p.partitionIndex}: ${errorName(p.errorCode)}`)
          const buf = p.records
          if (buf === null) continue
          const slot = partitions.indexOf(p.partitionIndex)
          let pos = 0
          while (buf.length - pos >= 61) {
            const size = buf.readInt32BE(pos + 8) + 12
            if (pos + size > buf.length) break // a partial batch at the end of the response
            const base = Number(buf.readBigInt64BE(pos))
            const count = buf.readInt32BE(pos + 57)
            const next = base + buf.readInt32BE(pos + 23) + 1
            if (next > (offsets[slot] as number)) {
              offsets[slot] = next
              got += count
              batchBytes += size
              const first = locateFirstValue(buf, pos)
              if (first !== null) {
                bytes += first.length * count
                if (first.length >= STAMP_BYTES) {
                  const sentAt = buf.readDoubleBE(first.offset)
                  const latency = receivedAt - sentAt
                  // Records not written by samsa perf hold no plausible send time.
                  if (latency >= 0 && latency < 3.6e9) histogram.record(latency, count)
                }
              }
            }
            pos += size
          }
        }
      messages += got
      const now = Date.now()
      if (got > 0) lastRecordAt = now
      else if (now - lastRecordAt > idleMs) break
      if (options.onProgress !== undefined && now - lastProgress >= 1000) {
        lastProgress = now
        options.onProgress(messages, (nowMicros() - t0) / 1e6)
      }
    }
    const seconds = (nowMicros() - t0) / 1e6
    return {
      messages,
      bytes,
      batchBytes,
      seconds,
      msgsPerSec: messages / seconds,
      mbPerSec: bytes / 1e6 / seconds,
      endToEndUs: histogram.summary(),
      fetches,
    }
  } finally {
    await admin.close()
  }
}
