// Compaction throughput: a generated keyed log (N updates over K keys, 1 KiB-ish records in
// batches of 100, 16 MiB segments) is cleaned once; prints input MB/s, the size reduction and
// the event-loop delay seen while cleaning (max, p99, p99.9 of a 1 ms-resolution histogram).
// On a shared machine the max includes time the main thread waited for a CPU; on Linux the
// longest gap between 1 ms timer ticks minus that run-queue wait (/proc/thread-self/schedstat) is
// printed too: the part of the stall the process itself caused. Not a test.
//
// Usage: node dist/bench/compaction.js [--mb N] [--keys N] [--codec none|gzip|snappy|lz4|zstd]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { buildRecordBatch, DEFAULT_LOG_CONFIG, LogManager } from '../src/log/index.js'
import { CODEC_NAMES } from '../src/log/cleaner/index.js'
import { numArg, strArg } from './args.js'
import { compressBatch, stallMonitor } from './compaction-tools.js'

const TOTAL_MB = numArg('mb', 256)
const KEYS = numArg('keys', 10000)
const CODEC = CODEC_NAMES.indexOf(strArg('codec', 'none') as (typeof CODEC_NAMES)[number])
if (CODEC < 0) throw new Error(`unknown codec; one of ${CODEC_NAMES.join(', ')}`)
const PER_BATCH = 100
const VALUE = Buffer.alloc(1000, 0x76)

async function batchBytes(seq: number): Promise<Buffer> {
  const records = []
  for (let j = 0; j < PER_BATCH; j++) {
    const n = seq * PER_BATCH + j
    VALUE.write(String(n).padStart(12, '0'))
    records.push({ key: Buffer.from(`key-${(n * 7919) % KEYS}`), value: Buffer.from(VALUE) })
  }
  const batch = buildRecordBatch({ records })
  return CODEC === 0 ? batch : compressBatch(batch, CODEC)
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-compaction-'))
  const m = await LogManager.open({
    logDirs: [root],
    defaults: { ...DEFAULT_LOG_CONFIG, cleanupPolicy: 'compact', fileDeleteDelayMs: 0 },
    cleanerEnable: false,
  })
  try {
    const log = m.create('bench', 0, { segmentBytes: 16 * 1024 * 1024 })
    for (let seq = 0; log.sizeInBytes() < TOTAL_MB * 1024 * 1024; seq++)
      log.append(await batchBytes(seq))
    await log.flush()
    const before = log.sizeInBytes()
    const inactive = log.inactiveSegments().reduce((s, seg) => s + seg.size, 0)
    const h = monitorEventLoopDelay({ resolution: 1 })
    h.enable()
    const gaps = stallMonitor()
    const t0 = performance.now()
    const stats = await m.cleaner.cleanLog(log, { force: true })
    const ms = performance.now() - t0
    h.disable()
    const g = gaps.stop()
    if (stats === null) throw new Error('nothing was cleaned')
    const mbps = inactive / 1e6 / (ms / 1000)
    console.log(
      `compaction (${CODEC_NAMES[CODEC]}, ${KEYS} keys): ${(inactive / 1e6).toFixed(0)} MB cleaned ` +
        `in ${(ms / 1000).toFixed(2)} s = ${mbps.toFixed(1)} MB/s; records ${stats.recordsIn} -> ` +
        `${stats.recordsKept} (${Math.round(stats.recordsIn / (ms / 1000))} records/s); log ${(before / 1e6).toFixed(0)} MB -> ` +
        `${(log.sizeInBytes() / 1e6).toFixed(1)} MB; max event-loop stall ` +
        `${(h.max / 1e6).toFixed(1)} ms (p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, ` +
        `p99.9 ${(h.percentile(99.9) / 1e6).toFixed(1)} ms); longest gap between 1 ms ticks ` +
        `${g.maxRawMs.toFixed(1)} ms, ${g.maxMs.toFixed(1)} ms of it not waiting for a CPU`,
    )
  } finally {
    await m.close()
    fs.rmSync(root, { recursive: true, force: true })
  }
}

await main()
