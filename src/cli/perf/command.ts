// `samsa perf produce|consume|sink`: the built-in load generator (like Kafka's
// kafka-producer-perf-test / kafka-consumer-perf-test). Human-readable summary by default, one
// JSON object with --json; a progress line on stderr while it runs when stderr is a terminal.

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { UsageError, parseArgs } from '../args.js'
import type { HistogramSummary } from './histogram.js'
import { runPerfConsume } from './consume.js'
import { runPerfProduce } from './produce.js'
import type { PerfProduceResult } from './produce.js'
import { startSinkServer } from './sink.js'

export const PERF_USAGE = [
  'samsa perf produce --topic T [--bootstrap-server H:P] [--messages N] [--message-size B]',
  '                   [--partitions P] [--batch-records R] [--inflight N] [--rate MSGS_PER_SEC]',
  '                   [--acks 1|all] [--warmup-seconds S] [--congestion cubic] [--sink] [--json]',
  '       samsa perf consume --topic T [--bootstrap-server H:P] [--messages N]',
  '                   [--from earliest|latest] [--fetch-max-bytes B] [--idle-timeout-ms MS]',
  '                   [--warmup-seconds S] [--json]',
  '       samsa perf sink [--port P]   (answers every Produce at once: the generator ceiling)',
].join('\n')

const COMMON = {
  'bootstrap-server': { value: true, alias: ['-b'] },
  topic: { value: true, alias: ['-t'] },
  messages: { value: true, alias: ['-n'] },
  json: {},
  help: { alias: ['-h'] },
}

function progress(label: string): ((n: number, sec: number) => void) | undefined {
  if (process.stderr.isTTY !== true) return undefined
  return (n, sec) =>
    process.stderr.write(
      `\r${label}: ${n} messages, ${Math.round(n / Math.max(sec, 1e-9))} msgs/s, ${sec.toFixed(0)} s   `,
    )
}

function ms(us: number): string {
  return (us / 1000).toFixed(2)
}

function latencyLine(name: string, h: HistogramSummary): string {
  return `${name} ms: p50 ${ms(h.p50)}, p90 ${ms(h.p90)}, p99 ${ms(h.p99)}, p99.9 ${ms(h.p999)}, max ${ms(h.max)} (${h.count} samples)`
}

/** The repository's bin/samsa.js, found by walking up from this module (src/ or dist/src/). */
export function samsaBin(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'bin', 'samsa.js')
    if (existsSync(candidate)) return candidate
    dir = path.dirname(dir)
  }
  throw new Error('bin/samsa.js not found above ' + fileURLToPath(import.meta.url))
}

/** Starts `samsa perf sink` in its own process; resolves with its port and a stop function. */
export async function spawnSink(): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [samsaBin(), 'perf', 'sink'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d: string) => {
      out += d
      const m = /sink listening on [^:]+:(\d+)/.exec(out)
      if (m !== null) resolve(Number(m[1]))
    })
    child.once('exit', (code) => reject(new Error(`perf sink exited (${code}): ${out}`)))
  })
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

function parseAcks(text: string | undefined): number {
  if (text === undefined || text === '1') return 1
  if (text === 'all' || text === '-1') return -1
  throw new UsageError(`--acks must be 1 or all (acks=0 sends no responses to time), got '${text}'`)
}

function positive(name: string, v: number | undefined, fallback: number, min = 1): number {
  const n = v ?? fallback
  if (n < min) throw new UsageError(`--${name} must be at least ${min}`)
  return n
}

async function produce(args: string[]): Promise<number> {
  const a = parseArgs(args, {
    ...COMMON,
    'message-size': { value: true, alias: ['-s'] },
    partitions: { value: true, alias: ['-p'] },
    'batch-records': { value: true },
    inflight: { value: true },
    rate: { value: true },
    'warmup-seconds': { value: true },
    acks: { value: true },
    congestion: { value: true },
    sink: {},
  })
  if (a.has('help')) {
    process.stdout.write(`usage: ${PERF_USAGE}\n`)
    return 0
  }
  const topic = a.get('topic') ?? (a.has('sink') ? 'sink' : undefined)
  if (topic === undefined) throw new UsageError('--topic is required')
  const messageSize = positive('message-size', a.int('message-size'), 1024, 0)
  const options = {
    bootstrap: a.get('bootstrap-server') ?? '127.0.0.1:9092',
    topic,
    partitions: positive('partitions', a.int('partitions'), 1),
    messages: positive('messages', a.int('messages'), 100_000),
    messageSize,
    batchRecords: positive(
      'batch-records',
      a.int('batch-records'),
      Math.max(1, Math.floor(65536 / (messageSize + 8))),
    ),
    inflight: positive('inflight', a.int('inflight'), 8),
    rate: positive('rate', a.int('rate'), 0, 0),
    warmupSeconds: positive('warmup-seconds', a.int('warmup-seconds'), 0, 0),
    acks: parseAcks(a.get('acks')),
    congestion: a.get('congestion'),
    sink: a.has('sink'),
    onProgress: progress('produce'),
  }
  let sink: { port: number; stop: () => Promise<void> } | null = null
  let result: PerfProduceResult
  try {
    if (options.sink) {
      sink = await spawnSink()
      options.bootstrap = `127.0.0.1:${sink.port}`
    }
    result = await runPerfProduce(options)
  } finally {
    await sink?.stop()
  }
  if (options.onProgress !== undefined) process.stderr.write('\n')
  if (a.has('json')) process.stdout.write(JSON.stringify({ mode: 'produce', ...result }) + '\n')
  else {
    process.stdout.write(
      `${result.messages} records sent${options.sink ? ' to the sink' : ''}, ` +
        `${Math.round(result.msgsPerSec)} records/s (${result.mbPerSec.toFixed(1)} MB/s), ` +
        `${result.requests} requests, congestion ${result.congestion}\n` +
        latencyLine('produce latency', result.latencyUs) +
        '\n' +
        (options.rate > 0 ? latencyLine('send lag (generator)', result.sendLagUs) + '\n' : '') +
        `generator CPU ${result.cpuSeconds.toFixed(2)} s ` +
        `(${Math.round((100 * result.cpuSeconds) / result.seconds)}% of a core)\n`,
    )
  }
  return 0
}

async function consume(args: string[]): Promise<number> {
  const a = parseArgs(args, {
    ...COMMON,
    from: { value: true },
    'fetch-max-bytes': { value: true },
    'idle-timeout-ms': { value: true },
    'warmup-seconds': { value: true },
  })
  if (a.has('help')) {
    process.stdout.write(`usage: ${PERF_USAGE}\n`)
    return 0
  }
  const topic = a.get('topic')
  if (topic === undefined) throw new UsageError('--topic is required')
  const from = a.get('from') ?? 'earliest'
  if (from !== 'earliest' && from !== 'latest')
    throw new UsageError(`--from must be earliest or latest, got '${from}'`)
  const onProgress = progress('consume')
  const result = await runPerfConsume({
    bootstrap: a.get('bootstrap-server') ?? '127.0.0.1:9092',
    topic,
    messages: positive('messages', a.int('messages'), 100_000),
    from,
    fetchMaxBytes: a.int('fetch-max-bytes'),
    idleTimeoutMs: a.int('idle-timeout-ms'),
    warmupSeconds: positive('warmup-seconds', a.int('warmup-seconds'), 0, 0),
    onProgress,
    // A harness starting a producer alongside waits for this line (offsets are resolved).
    onReady: a.has('json') ? () => process.stderr.write('perf consume ready\n') : undefined,
  })
  if (onProgress !== undefined) process.stderr.write('\n')
  if (a.has('json')) process.stdout.write(JSON.stringify({ mode: 'consume', ...result }) + '\n')
  else {
    process.stdout.write(
      `${result.messages} records consumed, ${Math.round(result.msgsPerSec)} records/s ` +
        `(${result.mbPerSec.toFixed(1)} MB/s), ${result.fetches} fetches\n` +
        latencyLine('end-to-end latency', result.endToEndUs) +
        '\n',
    )
  }
  return 0
}

async function sink(args: string[]): Promise<number> {
  const a = parseArgs(args, { port: { value: true }, help: { alias: ['-h'] } })
  if (a.has('help')) {
    process.stdout.write(`usage: ${PERF_USAGE}\n`)
    return 0
  }
  const server = await startSinkServer(a.int('port') ?? 0)
  process.stdout.write(`sink listening on 127.0.0.1:${server.port}\n`)
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      resolve()
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
  await server.close()
  return 0
}

export async function runPerf(args: string[]): Promise<number> {
  const [mode, ...rest] = args
  if (mode === 'produce') return produce(rest)
  if (mode === 'consume') return consume(rest)
  if (mode === 'sink') return sink(rest)
  if (mode === '--help' || mode === '-h') {
    process.stdout.write(`usage: ${PERF_USAGE}\n`)
    return 0
  }
  throw new UsageError(
    mode === undefined ? 'which mode: produce, consume or sink?' : `unknown mode '${mode}'`,
  )
}

export const perfCommand = {
  summary: 'load generator: pipelined produce / consume with latency histograms',
  usage: PERF_USAGE,
  async run(args: string[]): Promise<number> {
    try {
      return await runPerf(args)
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`samsa perf: ${err.message}\nusage: ${PERF_USAGE}\n`)
        return 2
      }
      process.stderr.write(`samsa perf: ${err instanceof Error ? err.message : String(err)}\n`)
      return 1
    }
  },
}
