// Compaction throughput: a generated keyed log (N updates over K keys, 1 KiB-ish records in
// batches of 100, 16 MiB segments) is cleaned once; prints input MB/s, the size reduction and
// the longest event-loop stall seen while cleaning. Not a test.
//
// Usage: node dist/bench/compaction.js [--mb N] [--keys N] [--codec none|gzip|snappy|lz4|zstd]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { buildRecordBatch, DEFAULT_LOG_CONFIG, LogManager } from '../src/log/index.js'
import { CODEC_NAMES, compress } from '../src/log/cleaner/index.js'
import { crc32c } from '../src/native/index.js'
import { numArg, strArg } from './args.js'

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
  if (CODEC === 0) return batch
  const body = await compress(CODEC, batch.subarray(61))
  const out = Buffer.alloc(61 + body.length)
  batch.copy(out, 0, 0, 61)
  body.copy(out, 61)
  out.writeInt32BE(out.length - 12, 8)
  out.writeInt16BE(CODEC, 21)
  out.writeUInt32BE(crc32c(out.subarray(21)), 17)
  return out
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
    const t0 = performance.now()
    const stats = await m.cleaner.cleanLog(log, { force: true })
    const ms = performance.now() - t0
    h.disable()
    if (stats === null) throw new Error('nothing was cleaned')
    const mbps = inactive / 1e6 / (ms / 1000)
    console.log(
      `compaction (${CODEC_NAMES[CODEC]}, ${KEYS} keys): ${(inactive / 1e6).toFixed(0)} MB cleaned ` +
        `in ${(ms / 1000).toFixed(2)} s = ${mbps.toFixed(1)} MB/s; records ${stats.recordsIn} -> ` +
        `${stats.recordsKept} (${Math.round(stats.recordsIn / (ms / 1000))} records/s); log ${(before / 1e6).toFixed(0)} MB -> ` +
        `${(log.sizeInBytes() / 1e6).toFixed(1)} MB; max event-loop stall ` +
        `${(h.max / 1e6).toFixed(1)} ms`,
    )
  } finally {
    await m.close()
    fs.rmSync(root, { recursive: true, force: true })
  }
}

await main()
