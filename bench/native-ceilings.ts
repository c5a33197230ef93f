// Machine ceilings for the native paths, measured in this run: CRC-32C (hardware and software),
// a bare native sendfile loop to a loopback sink in another process, and bare append loops
// (fs.writevSync and the addon's pwritevSync). Other benchmarks import the measure* functions to
// print their own results as ratios of these.
//
// Run: npm run build:ts && node dist/bench/native-ceilings.js [--bytes 1073741824]
//   env SAMSA_BENCH_BYTES (bytes moved per measurement), SAMSA_BENCH_OP_BYTES (bytes per
//   sendfile op, default 1 MiB), SAMSA_BENCH_DIR (where scratch files go, default os.tmpdir()).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, writevSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  crc32c,
  crc32cImplementation,
  crc32cSoftware,
  pwritevSync,
  sendfile,
  setTcpCongestion,
} from '../src/native/index.js'

const MiB = 1 << 20
const GB = 1e9

/** The OS file descriptor under a connected socket, for the native socket calls. */
export function socketFd(socket: net.Socket): number {
  return (socket as unknown as { _handle: { fd: number } })._handle.fd
}

export interface Rate {
  bytes: number
  seconds: number
  gbPerSec: number
  /** User + system CPU of this process per GB moved. */
  cpuSecPerGb: number
}

function rate(bytes: number, ns: bigint, cpu: NodeJS.CpuUsage): Rate {
  const seconds = Number(ns) / 1e9
  const cpuSec = (cpu.user + cpu.system) / 1e6
  return { bytes, seconds, gbPerSec: bytes / GB / seconds, cpuSecPerGb: cpuSec / (bytes / GB) }
}

/** CRC-32C over one warm buffer, repeated until `bytes` were hashed. */
export function measureCrc32c(
  bytes: number,
  options: { software?: boolean; blockBytes?: number } = {},
): Rate {
  const block = randomBytes(options.blockBytes ?? MiB)
  const fn = options.software === true ? crc32cSoftware : crc32c
  for (let i = 0; i < 16; i++) fn(block) // warm up
  let crc = 0
  const rounds = Math.max(1, Math.ceil(bytes / block.length))
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < rounds; i++) crc = fn(block, crc)
  const r = rate(rounds * block.length, process.hrtime.bigint() - t0, process.cpuUsage(cpu0))
  if (crc === -1) throw new Error('unreachable') // keeps the loop observable
  return r
}

// The sink connects to us and reads into one static buffer (onread: no allocation per read).
const SINK_SOURCE = `
const net = require('node:net')
let total = 0
const socket = net.connect({
  port: Number(process.argv[1]),
  host: '127.0.0.1',
  allowHalfOpen: true,
  onread: { buffer: Buffer.alloc(4 << 20), callback: (n) => { total += n } },
})
socket.on('end', () => { process.stdout.write('total ' + total + '\\n'); socket.end() })
`

/** A sink process on loopback; resolves with our end of the connection and the sink's total. */
export async function startSink(): Promise<{ socket: net.Socket; received: Promise<number> }> {
  const server = net.createServer({ allowHalfOpen: true })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve))
  const port = (server.address() as net.AddressInfo).port
  const child = spawn(process.execPath, ['-e', SINK_SOURCE, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d: string) => (out += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const socket = await accepted
  server.close()
  const received = exited.then(() => {
    const match = /total (\d+)/.exec(out)
    if (match === null) throw new Error(`sink exited without a total: ${out}`)
    return Number(match[1])
  })
  return { socket, received }
}

/** Writes a scratch file of `size` random bytes; its pages are warm (just written). */
export function writeScratchFile(dir: string, size: number): string {
  const file = path.join(dir, 'sendfile-source.bin')
  const fd = openSync(file, 'w')
  const block = randomBytes(MiB)
  for (let written = 0; written < size; written += block.length) {
    writeSync(fd, block, 0, Math.min(block.length, size - written))
  }
  closeSync(fd)
  return file
}

/**
 * Bare native sendfile: `bytes` from `file` (wrapping around) to a loopback sink process, one
 * op of `opBytes` at a time, like a fetch response stream. CPU is this process only.
 */
export async function measureSendfileCeiling(
  file: string,
  bytes: number,
  fileSize: number,
  opBytes = MiB,
  congestion?: string,
): Promise<Rate> {
  const fd = openSync(file, 'r')
  const { socket, received } = await startSink()
  const sockFd = socketFd(socket)
  // Optional: the suite compares against a broker whose sockets use this algorithm.
  if (congestion !== undefined) setTcpCongestion(sockFd, congestion)
  try {
    let sent = 0
    let position = 0
    const cpu0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    while (sent < bytes) {
      const length = Math.min(opBytes, bytes - sent, fileSize - position)
      sent += await sendfile(sockFd, [{ fd, position, length }])
      position = (position + length) % fileSize
    }
    const r = rate(sent, process.hrtime.bigint() - t0, process.cpuUsage(cpu0))
    socket.end()
    const total = await received
    if (total !== sent) throw new Error(`sink received ${total} of ${sent} bytes`)
    return r
  } finally {
    socket.destroy()
    closeSync(fd)
  }
}

/**
 * Bare append loop: `bytes` appended to a new file in gathered writes of `buffersPerWrite`
 * 64 KiB buffers (1 MiB per call), with fs.writevSync or the addon's pwritevSync.
 */
export function measureAppendCeiling(
  dir: string,
  bytes: number,
  native = false,
  buffersPerWrite = 16,
): Rate {
  const file = path.join(dir, native ? 'append-native.log' : 'append-fs.log')
  const fd = openSync(file, 'w')
  const buffers = Array.from({ length: buffersPerWrite }, () => randomBytes(64 * 1024))
  const perCall = buffersPerWrite * 64 * 1024
  try {
    let position = 0
    const cpu0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    while (position < bytes) {
      position += native ? pwritevSync(fd, buffers, position) : writevSync(fd, buffers, position)
    }
    const r = rate(position, process.hrtime.bigint() - t0, process.cpuUsage(cpu0))
    if (position < perCall) throw new Error('nothing written')
    return r
  } finally {
    closeSync(fd)
    rmSync(file, { force: true })
  }
}

function fmt(name: string, r: Rate, note: string): string {
  return `${name.padEnd(30)} ${r.gbPerSec.toFixed(2).padStart(6)} GB/s  ${r.cpuSecPerGb.toFixed(3)} CPU-s/GB  ${note}`
}

function argBytes(): number {
  const i = process.argv.indexOf('--bytes')
  const v = i >= 0 ? process.argv[i + 1] : process.env.SAMSA_BENCH_BYTES
  return v !== undefined ? Number(v) : 1 << 30
}

async function main(): Promise<void> {
  const bytes = argBytes()
  const opBytes = Number(process.env.SAMSA_BENCH_OP_BYTES ?? MiB)
  const dir = mkdtempSync(path.join(process.env.SAMSA_BENCH_DIR ?? tmpdir(), 'samsa-ceilings-'))
  try {
    console.log(
      `native ceilings: ${(bytes / MiB).toFixed(0)} MiB per measurement, crc32c=${crc32cImplementation}`,
    )
    console.log(fmt('crc32c (dispatch)', measureCrc32c(bytes), '1 MiB block, in cache'))
    console.log(
      fmt(
        'crc32c (software)',
        measureCrc32c(Math.min(bytes, 256 * MiB), { software: true }),
        '1 MiB block, in cache',
      ),
    )
    const fileSize = Math.min(bytes, 256 * MiB)
    const file = writeScratchFile(dir, fileSize)
    const sf = await measureSendfileCeiling(file, bytes, fileSize, opBytes)
    console.log(
      fmt(
        'sendfile -> loopback sink',
        sf,
        `${(opBytes / MiB).toFixed(2)} MiB ops, warm pages (file just written)`,
      ),
    )
    const big = await measureSendfileCeiling(file, bytes, fileSize, 64 * MiB)
    console.log(fmt('sendfile -> loopback sink', big, '64 MiB ops, warm pages'))
    rmSync(file, { force: true })
    // The first large append in a fresh process pays page-cache reclaim (seen: ~10x the CPU);
    // one unmeasured pass keeps that out of both figures.
    measureAppendCeiling(dir, bytes, true)
    console.log(
      fmt(
        'fs.writevSync append',
        measureAppendCeiling(dir, bytes),
        '16 x 64 KiB per call, page cache, after a warm-up pass',
      ),
    )
    console.log(
      fmt(
        'native pwritevSync append',
        measureAppendCeiling(dir, bytes, true),
        '16 x 64 KiB per call, page cache, after a warm-up pass',
      ),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
}
