// The clients the suite drives targets with: `samsa perf produce|consume` in child processes
// (JSON results) and kcat (librdkafka) as real users produce and consume.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { samsaBin } from '../../src/cli/perf/command.js'
import type { PerfConsumeResult } from '../../src/cli/perf/consume.js'
import type { PerfProduceResult } from '../../src/cli/perf/produce.js'

interface Spawned {
  stdout: string
  stderr: string
  stdoutBytes: number
}

function runChild(
  cmd: string,
  args: string[],
  options: {
    timeoutMs?: number
    onStderr?: (text: string) => void
    stdin?: string
    /** Count stdout bytes instead of keeping them (large consumer outputs). */
    countOnly?: boolean
  } = {},
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stdoutBytes = 0
    let stderr = ''
    child.stdout?.on('data', (d: Buffer) => {
      stdoutBytes += d.length
      if (options.countOnly !== true) stdout += d.toString('utf8')
    })
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (d: string) => {
      stderr += d
      options.onStderr?.(stderr)
    })
    if (options.stdin !== undefined && child.stdin !== null)
      fs.createReadStream(options.stdin).pipe(child.stdin)
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code !== 0)
        reject(
          new Error(
            `${path.basename(cmd)} ${args.slice(0, 3).join(' ')} exited ${code}: ${stderr.slice(-600)}`,
          ),
        )
      else resolve({ stdout, stderr, stdoutBytes })
    })
  })
}

function lastJson<T>(stdout: string): T {
  const line = stdout.trim().split('\n').at(-1) ?? ''
  return JSON.parse(line) as T
}

export interface PerfProduceArgs {
  bootstrap: string
  topic: string
  partitions: number
  messages: number
  messageSize: number
  acks: '1' | 'all'
  rate?: number
  inflight?: number
  /** Records per Produce request (one batch); samsa perf's own default when absent. */
  batchRecords?: number
  congestion?: string
  sink?: boolean
  /** Left out of the latency histograms (see samsa perf --warmup-seconds). */
  warmupSeconds?: number
}

export async function perfProduce(a: PerfProduceArgs): Promise<PerfProduceResult> {
  const args = [
    samsaBin(),
    'perf',
    'produce',
    '--json',
    '--topic',
    a.topic,
    '--partitions',
    String(a.partitions),
    '--messages',
    String(a.messages),
    '--message-size',
    String(a.messageSize),
    '--acks',
    a.acks,
    '--rate',
    String(a.rate ?? 0),
    '--inflight',
    String(a.inflight ?? 8),
  ]
  if (a.batchRecords !== undefined) args.push('--batch-records', String(a.batchRecords))
  if (a.sink === true) args.push('--sink')
  else args.push('--bootstrap-server', a.bootstrap)
  if (a.congestion !== undefined) args.push('--congestion', a.congestion)
  if (a.warmupSeconds !== undefined) args.push('--warmup-seconds', String(a.warmupSeconds))
  return lastJson<PerfProduceResult>((await runChild(process.execPath, args)).stdout)
}

/** Starts a consumer; `ready` resolves once its start offsets are fixed, `done` with its result. */
export function perfConsume(a: {
  bootstrap: string
  topic: string
  messages: number
  from: 'earliest' | 'latest'
  warmupSeconds?: number
}): { ready: Promise<void>; done: Promise<PerfConsumeResult> } {
  let markReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (markReady = resolve))
  const done = runChild(
    process.execPath,
    [
      samsaBin(),
      'perf',
      'consume',
      '--json',
      '--bootstrap-server',
      a.bootstrap,
      '--topic',
      a.topic,
      '--messages',
      String(a.messages),
      '--from',
      a.from,
      '--idle-timeout-ms',
      '20000',
      '--warmup-seconds',
      String(a.warmupSeconds ?? 0),
    ],
    { onStderr: (t) => t.includes('perf consume ready') && markReady() },
  ).then((r) => lastJson<PerfConsumeResult>(r.stdout))
  done.catch(() => markReady())
  return { ready, done }
}

/** A file of `messages` lines of `size - 1` bytes plus newline (kcat reads one message per line). */
export function writeKcatInput(file: string, messages: number, size: number): void {
  const line = 'x'.repeat(Math.max(0, size - 1)) + '\n'
  const block = line.repeat(1024)
  const fd = fs.openSync(file, 'w')
  try {
    for (let i = 0; i < messages; i += 1024)
      fs.writeSync(fd, i + 1024 <= messages ? block : line.repeat(messages - i))
  } finally {
    fs.closeSync(fd)
  }
}

export interface KcatRun {
  seconds: number
  bytes: number
}

/** `extra`: more kcat arguments (e.g. `-X security.protocol=ssl`). */
export async function kcatProduce(
  bootstrap: string,
  topic: string,
  input: string,
  acks: '1' | 'all',
  extra: readonly string[] = [],
): Promise<KcatRun> {
  const t0 = process.hrtime.bigint()
  await runChild('kcat', [
    '-P',
    '-b',
    bootstrap,
    '-t',
    topic,
    '-X',
    'linger.ms=5',
    '-X',
    'batch.num.messages=10000',
    '-X',
    'queue.buffering.max.kbytes=1048576',
    '-X',
    `acks=${acks === 'all' ? -1 : 1}`,
    ...extra,
    '-l',
    input,
  ])
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes: fs.statSync(input).size }
}

export async function kcatConsume(
  bootstrap: string,
  topic: string,
  extra: readonly string[] = [],
): Promise<KcatRun> {
  const t0 = process.hrtime.bigint()
  const r = await runChild(
    'kcat',
    [
      '-C',
      '-b',
      bootstrap,
      '-t',
      topic,
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%s\n',
      '-X',
      'fetch.max.bytes=52428800',
      ...extra,
    ],
    { countOnly: true },
  )
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes: r.stdoutBytes }
}

/**
 * Records per batch as OpenMessaging Benchmark's Kafka driver would send them: max-rate runs use
 * kafka-throughput.yaml's batch.size (1 MiB); fixed-rate runs use kafka-latency.yaml's batch.size
 * (128 KiB) with linger.ms=1, i.e. what accumulates in 1 ms at that rate, up to 128 KiB.
 */
export function ombBatchRecords(messageSize: number, rate: number | null): number {
  // Record framing (length, attributes, deltas, key and value lengths) is at most 16 bytes here,
  // and the batch header 61: the batch stays within batch.size, as the Kafka producer keeps it
  // (a 1 MiB batch is also what message.max.bytes lets through).
  const fit = (bytes: number): number => Math.max(1, Math.floor((bytes - 61) / (messageSize + 16)))
  if (rate === null) return fit(1 << 20)
  return Math.max(1, Math.min(Math.round(rate / 1000), fit(128 << 10)))
}
