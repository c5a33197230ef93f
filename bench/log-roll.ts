// How long an append that rolls a segment holds the event loop, next to an ordinary append, on
// the path the broker takes: a LogManager with a recycle pool, 128 KiB batches (what a fixed-rate
// producer sends at ~200k msgs/s of 1 KiB), files recycled from a deleted topic, appended at
// the rate a broker takes them with a consumer attached (--mbps, 400 by default: the suite's
// produce + consume maximum; 0 appends as fast as possible). Not a test: prints milliseconds
// per append.
//
// Memory warmth (reference/machine-ceilings.md): a warm-up topic of the same size is written and
// deleted first, so the measured log is appended into recycled, page-cached files, as in the
// suite. Writeback of the earlier segments runs meanwhile, as it does in a broker.
//
// Usage: node dist/bench/log-roll.js [--segment-mib N] [--segments N] [--mbps N] [--dir DIR]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildRecordBatch, DEFAULT_LOG_CONFIG, LogManager } from '../src/log/index.js'
import type { PartitionLog } from '../src/log/index.js'
import { Histogram } from '../src/cli/perf/histogram.js'
import { numArg, strArg } from './args.js'

const SEGMENT_BYTES = numArg('segment-mib', 128) * 1024 * 1024
const SEGMENTS = numArg('segments', 12)
const MBPS = numArg('mbps', 400)
const ROOT = fs.mkdtempSync(path.join(strArg('dir', os.tmpdir()), 'samsa-bench-roll-'))

const records = Array.from({ length: 124 }, (_, r) => ({ key: null, value: Buffer.alloc(1024, r) }))
const batch = buildRecordBatch({ records })

/** Appends until `segments` rolls happened; each append's microseconds, split by roll or not. */
async function fill(
  log: PartitionLog,
  segments: number,
): Promise<{ rolls: number[]; plain: Histogram }> {
  const rolls: number[] = []
  const plain = new Histogram()
  let count = log.segmentBaseOffsets().length
  const start = process.hrtime.bigint()
  for (let i = 0; rolls.length < segments; i++) {
    const t0 = process.hrtime.bigint()
    log.append(batch)
    const us = Number(process.hrtime.bigint() - t0) / 1000
    const now = log.segmentBaseOffsets().length
    if (now !== count) rolls.push(us)
    else plain.record(us)
    count = now
    // A broker returns to its event loop between requests: flushes and closes complete then.
    if (i % 16 === 0) await new Promise((resolve) => setImmediate(resolve))
    if (MBPS > 0) {
      const dueMs = ((i + 1) * batch.length) / (MBPS * 1000)
      const aheadMs = dueMs - Number(process.hrtime.bigint() - start) / 1e6
      if (aheadMs >= 1) await new Promise((resolve) => setTimeout(resolve, aheadMs))
    }
  }
  return { rolls, plain }
}

async function main(): Promise<void> {
  const manager = await LogManager.open({
    logDirs: [ROOT],
    defaults: { ...DEFAULT_LOG_CONFIG, segmentBytes: SEGMENT_BYTES, fileDeleteDelayMs: 0 },
    segmentRecycleBytes: (SEGMENTS + 2) * SEGMENT_BYTES,
    cleanerEnable: false,
  })
  try {
    await fill(manager.create('warmup', 0), SEGMENTS + 1)
    await manager.delete('warmup', 0)
    const { rolls, plain } = await fill(manager.create('measured', 0), SEGMENTS)
    const rolling = new Histogram()
    for (const us of rolls) rolling.record(us)
    const fmt = (n: number): string => (n / 1000).toFixed(2)
    console.log(
      `log-roll: ${SEGMENT_BYTES / 1024 ** 2} MiB segments, ${batch.length} B batches, ` +
        `${MBPS > 0 ? `${MBPS} MB/s` : 'unpaced'}, recycled page-cached files (warm)`,
    )
    console.log(`  appends that roll (${rolls.length}): ${rolls.map(fmt).join(' ')} ms`)
    console.log(`  rolling append ms: p50 ${fmt(rolling.percentile(50))}, max ${fmt(rolling.max)}`)
    console.log(
      `  other appends ms (${plain.count}): p50 ${fmt(plain.percentile(50))}, ` +
        `p99 ${fmt(plain.percentile(99))}, max ${fmt(plain.max)}`,
    )
    console.log(
      `ratio (rolling append p50 / other append p50): ` +
        `${(rolling.percentile(50) / plain.percentile(50)).toFixed(1)}`,
    )
  } finally {
    await manager.close()
  }
}

try {
  await main()
} finally {
  fs.rmSync(ROOT, { recursive: true, force: true })
}
