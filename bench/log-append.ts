// Append throughput of PartitionLog against a bare fs.writevSync loop on the same bytes, in one
// run. Not a test: prints GB/s, CPU-s/GB and the ratio (target >= 0.8).
//
// Memory warmth (reference/machine-ceilings.md): appending into cold guest memory is ~7x slower
// than into recycled page-cache pages. Every phase here writes into pages freed by the phase just
// before it (delete-then-reuse): a warm-up file is written and deleted, then the phases alternate
// bare, log, log, bare..., each deleting its file right before the next starts. The state measured
// is therefore "warm: recycled page-cache pages", the same for both contenders.
//
// Usage: node dist/bench/log-append.js [--bytes N] [--rounds N] [--dir DIR]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  buildRecordBatch,
  DEFAULT_LOG_CONFIG,
  PartitionLog,
  realFileSystem,
} from '../src/log/index.js'
import { numArg, strArg } from './args.js'

const TOTAL = numArg('bytes', 1024 ** 3)
const ROUNDS = numArg('rounds', 2)
const ROOT = fs.mkdtempSync(path.join(strArg('dir', os.tmpdir()), 'samsa-bench-append-'))

// A pool of ~32 MiB of batches, 1 KiB records, 16..1024 records per batch, reused cyclically.
const RECORDS_PER_BATCH = [16, 64, 256, 1024, 32, 128, 512]
const pool: Buffer[] = []
let poolBytes = 0
for (let i = 0; poolBytes < 32 * 1024 * 1024; i++) {
  const n = RECORDS_PER_BATCH[i % RECORDS_PER_BATCH.length]
  const records = []
  for (let r = 0; r < n; r++) {
    const value = Buffer.alloc(1024, (i + r) & 0xff)
    records.push({ key: null, value })
  }
  const b = buildRecordBatch({ records })
  pool.push(b)
  poolBytes += b.length
}

interface Result {
  seconds: number
  cpu: number
  bytes: number
}

function measure(run: () => number): Result {
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const bytes = run()
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  return { seconds, cpu: (cpu.user + cpu.system) / 1e6, bytes }
}

function bare(file: string): Result {
  const fd = fs.openSync(file, 'w+')
  const r = measure(() => {
    let pos = 0
    for (let i = 0; pos < TOTAL; i++) {
      const b = pool[i % pool.length]
      pos += fs.writevSync(fd, [b], pos)
    }
    return pos
  })
  fs.closeSync(fd)
  fs.unlinkSync(file)
  return r
}

function viaLog(dir: string): Result {
  const log = PartitionLog.create({
    topic: 'bench',
    partition: 0,
    dir,
    config: { ...DEFAULT_LOG_CONFIG, maxMessageBytes: 4 * 1024 * 1024, segmentBytes: 1024 ** 3 },
    fs: realFileSystem,
    clock: Date.now,
  })
  const r = measure(() => {
    let bytes = 0
    for (let i = 0; bytes < TOTAL; i++) {
      const b = pool[i % pool.length]
      log.append(b)
      bytes += b.length
    }
    return bytes
  })
  log.closeForDelete()
  fs.rmSync(dir, { recursive: true, force: true })
  return r
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

function main(): void {
  // Warm-up: fault in the pages the first phase will reuse.
  const warm = path.join(ROOT, 'warmup')
  bare(warm)
  const bares: Result[] = []
  const logs: Result[] = []
  // The order alternates so neither contender always inherits the other's freed pages.
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      bares.push(bare(path.join(ROOT, `bare-${round}`)))
      logs.push(viaLog(path.join(ROOT, `bench-${round}`)))
    } else {
      logs.push(viaLog(path.join(ROOT, `bench-${round}`)))
      bares.push(bare(path.join(ROOT, `bare-${round}`)))
    }
  }
  const gbps = (r: Result): number => r.bytes / 1e9 / r.seconds
  const cpuPerGb = (r: Result): number => r.cpu / (r.bytes / 1e9)
  const bareGbps = median(bares.map(gbps))
  const logGbps = median(logs.map(gbps))
  const bareCpu = median(bares.map(cpuPerGb))
  const logCpu = median(logs.map(cpuPerGb))
  const fmt = (n: number): string => n.toFixed(3)
  console.log(
    `log-append: ${(TOTAL / 1024 ** 3).toFixed(2)} GiB per phase, ${ROUNDS} rounds, batches of 16-1024 x 1 KiB records`,
  )
  console.log('memory state: warm (delete-then-reuse of recycled page-cache pages)')
  for (let i = 0; i < ROUNDS; i++) {
    console.log(
      `  round ${i}: bare ${fmt(gbps(bares[i]))} GB/s ${fmt(cpuPerGb(bares[i]))} CPU-s/GB | ` +
        `PartitionLog ${fmt(gbps(logs[i]))} GB/s ${fmt(cpuPerGb(logs[i]))} CPU-s/GB`,
    )
  }
  console.log(`bare fs.writevSync : ${fmt(bareGbps)} GB/s, ${fmt(bareCpu)} CPU-s/GB (median)`)
  console.log(`PartitionLog.append: ${fmt(logGbps)} GB/s, ${fmt(logCpu)} CPU-s/GB (median)`)
  console.log(`ratio (log/bare throughput): ${fmt(logGbps / bareGbps)}  (target >= 0.8)`)
  console.log(`ratio (bare/log CPU per GB): ${fmt(bareCpu / logCpu)}`)
}

try {
  main()
} finally {
  fs.rmSync(ROOT, { recursive: true, force: true })
}
