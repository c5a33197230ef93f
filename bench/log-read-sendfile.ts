// The fetch read path (PartitionLog.read -> file regions -> native sendfile engine) against a
// bare native sendfile loop over the same bytes, both to a loopback sink process, in one run.
// Not a test: prints GB/s and this process's CPU-s/GB for both and the CPU ratio (target
// <= 1.5x the bare loop).
//
// Memory warmth: the log is written first and read once before measuring, so every byte sent
// comes from warm page-cache pages; the bare loop sends the same segment file, also warm.
// Congestion control is the kernel default on both sockets (see machine-ceilings.md: bbr caps
// loopback; the ratio compares like with like).
//
// Usage: node dist/bench/log-read-sendfile.js [--bytes N] [--rounds N] [--fetch-bytes N]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  buildRecordBatch,
  DEFAULT_LOG_CONFIG,
  PartitionLog,
  realFileSystem,
} from '../src/log/index.js'
import { getTcpCongestion, sendfile } from '../src/native/index.js'
import { measureSendfileCeiling, socketFd, startSink } from './native-ceilings.js'
import type { Rate } from './native-ceilings.js'
import { numArg } from './args.js'

const TOTAL = numArg('bytes', 1024 ** 3)
const ROUNDS = numArg('rounds', 3)
const FETCH_BYTES = numArg('fetch-bytes', 1024 * 1024)
const RECORDS_PER_BATCH = [16, 64, 256, 1024, 32, 128, 512]

function fillLog(dir: string): { log: PartitionLog; bytes: number } {
  const log = PartitionLog.create({
    topic: 'bench',
    partition: 0,
    dir,
    config: {
      ...DEFAULT_LOG_CONFIG,
      maxMessageBytes: 4 * 1024 * 1024,
      segmentBytes: 2 * 1024 ** 3,
    },
    fs: realFileSystem,
    clock: Date.now,
  })
  const pool = RECORDS_PER_BATCH.map((n, i) =>
    buildRecordBatch({
      records: Array.from({ length: n }, (_, r) => ({
        key: null,
        value: Buffer.alloc(1024, i + r),
      })),
    }),
  )
  let bytes = 0
  for (let i = 0; bytes < TOTAL; i++) {
    const b = pool[i % pool.length]!
    log.append(b)
    bytes += b.length
  }
  return { log, bytes }
}

/** Offset after the last batch of a region list, read from that batch's header (as a consumer would). */
function nextOffset(
  regions: readonly { fd: number; position: number; length: number }[],
  scratch: Buffer,
): number {
  const last = regions[regions.length - 1]!
  // Walk the batch headers inside the last region: baseOffset (8) + length (4) ... lastOffsetDelta at 23.
  let pos = last.position
  const end = last.position + last.length
  let next = -1
  while (pos < end) {
    fs.readSync(last.fd, scratch, 0, 27, pos)
    const base = Number(scratch.readBigInt64BE(0))
    const length = scratch.readInt32BE(8)
    next = base + scratch.readInt32BE(23) + 1
    pos += 12 + length
  }
  return next
}

async function viaLog(log: PartitionLog, bytes: number): Promise<Rate> {
  const { socket, received } = await startSink()
  const sockFd = socketFd(socket)
  const scratch = Buffer.alloc(64)
  let sent = 0
  let offset = log.logStartOffset
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  while (sent < bytes) {
    if (offset >= log.logEndOffset) offset = log.logStartOffset
    const r = log.read(offset, FETCH_BYTES, { maxOffset: log.highWatermark, minOneBatch: true })
    try {
      sent += await sendfile(sockFd, r.regions)
      offset = nextOffset(r.regions, scratch)
    } finally {
      r.release()
    }
  }
  const ns = process.hrtime.bigint() - t0
  const cpu = process.cpuUsage(cpu0)
  socket.end()
  const total = await received
  if (total !== sent) throw new Error(`sink received ${total} of ${sent} bytes`)
  const seconds = Number(ns) / 1e9
  return {
    bytes: sent,
    seconds,
    gbPerSec: sent / 1e9 / seconds,
    cpuSecPerGb: (cpu.user + cpu.system) / 1e6 / (sent / 1e9),
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-read-'))
  try {
    const { log, bytes } = fillLog(path.join(dir, 'bench-0'))
    const segment = path.join(dir, 'bench-0', '00000000000000000000.log')
    // Warm-up pass of both paths (also faults in anything the append left cold).
    await viaLog(log, Math.min(bytes, 256 * 1024 * 1024))
    await measureSendfileCeiling(segment, Math.min(bytes, 256 * 1024 * 1024), bytes, FETCH_BYTES)
    const logRuns: Rate[] = []
    const bareRuns: Rate[] = []
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so neither path always runs second.
      if (round % 2 === 0) {
        bareRuns.push(await measureSendfileCeiling(segment, bytes, bytes, FETCH_BYTES))
        logRuns.push(await viaLog(log, bytes))
      } else {
        logRuns.push(await viaLog(log, bytes))
        bareRuns.push(await measureSendfileCeiling(segment, bytes, bytes, FETCH_BYTES))
      }
    }
    log.closeForDelete()
    const f = (n: number): string => n.toFixed(3)
    const probe = await startSink()
    const cc = getTcpCongestion(socketFd(probe.socket))
    probe.socket.end()
    await probe.received
    console.log(
      `log-read-sendfile: ${(bytes / 1024 ** 3).toFixed(2)} GiB per run, ${ROUNDS} rounds, ` +
        `${FETCH_BYTES} bytes per read, pages warm, congestion control ${cc}`,
    )
    for (let i = 0; i < ROUNDS; i++) {
      console.log(
        `  round ${i}: bare sendfile ${f(bareRuns[i]!.gbPerSec)} GB/s ${f(bareRuns[i]!.cpuSecPerGb)} CPU-s/GB | ` +
          `PartitionLog.read + sendfile ${f(logRuns[i]!.gbPerSec)} GB/s ${f(logRuns[i]!.cpuSecPerGb)} CPU-s/GB`,
      )
    }
    const bareCpu = median(bareRuns.map((r) => r.cpuSecPerGb))
    const logCpu = median(logRuns.map((r) => r.cpuSecPerGb))
    console.log(
      `median: bare ${f(median(bareRuns.map((r) => r.gbPerSec)))} GB/s ${f(bareCpu)} CPU-s/GB, ` +
        `read path ${f(median(logRuns.map((r) => r.gbPerSec)))} GB/s ${f(logCpu)} CPU-s/GB, ` +
        `CPU ratio ${(logCpu / bareCpu).toFixed(2)}x (target <= 1.5x)`,
    )
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
