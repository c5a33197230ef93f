// The benchmark suite (`npm run bench`, `samsa bench`): the same OMB-style workloads against
// Samsa, Apache Kafka (with --kafka-home) and Redis Streams, plus this machine's ceilings, in
// alternating rounds. Writes bench/results/<timestamp>.json, a Markdown report and SVG charts.
//
// Run: node dist/bench/suite/main.js [--quick] [--rounds N] [--samsa HOST:PORT]
//      [--kafka-home DIR] [--congestion cubic] [--out DIR] [--no-kcat]

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { UsageError, parseArgs } from '../../src/cli/args.js'
import { measureCeilings } from './ceilings.js'
import { startKafka } from './kafka.js'
import { hasCommand, kernelCongestionDefault } from './proc.js'
import { redisAvailable, redisXadd, redisXread, startRedis } from './redis.js'
import { buildReport } from './report.js'
import { writeKcatInput } from './drivers.js'
import { runTargetRound, warmUpTarget } from './runner.js'
import { externalTarget, startSamsa } from './targets.js'
import type { Target } from './targets.js'
import type { Acks, Measurement, SuiteResult, TargetStatus } from './types.js'

const ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  ...(fileURLToPath(import.meta.url).includes(`${path.sep}dist${path.sep}`) ? ['..'] : []),
)

export const SUITE_USAGE =
  'samsa bench [--quick] [--rounds N] [--samsa HOST:PORT] [--kafka-home DIR] [--congestion cubic] [--out DIR] [--no-kcat]'

interface Profile {
  name: 'quick' | 'full'
  partitions: number[]
  messageSizes: number[]
  acks: Acks[]
  messages: (size: number) => number
  latencyRates: number[]
  latencySeconds: number
  /** Run before each fixed-rate measurement and left out of its histograms (OMB's warm-up). */
  warmupSeconds: number
  ceilingBytes: number
  redisMessages: (size: number) => number
}

/** Warm-up cycles per target before round 1 (see warmUpTarget). */
const WARMUP_CYCLES = 3
/** 1 KiB messages per warm-up cycle, either profile. */
const JIT_WARMUP_MESSAGES = 1_000_000
/** 1 KiB messages kcat produces per warm-up cycle. */
const KCAT_WARMUP_MESSAGES = 500_000

const PROFILES: Record<'quick' | 'full', Profile> = {
  quick: {
    name: 'quick',
    partitions: [1, 16],
    messageSizes: [1024],
    acks: ['1'],
    messages: () => 300_000,
    latencyRates: [25, 50, 75],
    latencySeconds: 4,
    warmupSeconds: 1,
    ceilingBytes: 256 << 20,
    redisMessages: () => 100_000,
  },
  full: {
    name: 'full',
    partitions: [1, 16, 100],
    messageSizes: [1024, 100],
    acks: ['1', 'all'],
    messages: (size) => (size >= 1024 ? 500_000 : 2_000_000),
    latencyRates: [25, 50, 75],
    latencySeconds: 10,
    warmupSeconds: 2,
    ceilingBytes: 1 << 30,
    redisMessages: (size) => (size >= 1024 ? 300_000 : 1_000_000),
  },
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[:]/g, '-').replace(/\..*$/, '')
}

export async function runSuite(args: string[]): Promise<{ json: string; markdown: string }> {
  const a = parseArgs(args, {
    quick: {},
    rounds: { value: true },
    samsa: { value: true },
    'kafka-home': { value: true },
    congestion: { value: true },
    out: { value: true },
    'no-kcat': {},
    help: { alias: ['-h'] },
  })
  const profile = PROFILES[a.has('quick') ? 'quick' : 'full']
  const rounds = a.int('rounds') ?? 3
  if (rounds < 1) throw new UsageError('--rounds must be at least 1')
  const congestion = a.get('congestion')
  const outDir = path.resolve(a.get('out') ?? path.join(ROOT, 'bench', 'results'))
  const started = new Date()
  const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-scratch-'))
  const measurements: Measurement[] = []
  const statuses: TargetStatus[] = []
  const notes: string[] = []
  const kcat = !a.has('no-kcat') && hasCommand('kcat', ['-V'])
  if (!kcat)
    notes.push(
      a.has('no-kcat')
        ? 'kcat runs skipped (--no-kcat).'
        : 'kcat not found (Debian package kcat): librdkafka runs skipped.',
    )

  const targets: Target[] = []
  try {
    const samsaAddress = a.get('samsa')
    if (samsaAddress !== undefined) targets.push(externalTarget('Samsa', samsaAddress))
    else targets.push(await startSamsa({ congestion }))
    statuses.push({ name: 'Samsa', measured: true, detail: targets[0]?.description ?? '' })
    const kafkaHome = a.get('kafka-home')
    if (kafkaHome === undefined)
      statuses.push({
        name: 'Apache Kafka',
        measured: false,
        detail: 'no --kafka-home',
      })
    else {
      try {
        const k = await startKafka(path.resolve(kafkaHome))
        targets.push(k)
        statuses.push({ name: 'Apache Kafka', measured: true, detail: k.description })
      } catch (err) {
        statuses.push({
          name: 'Apache Kafka',
          measured: false,
          detail: `failed to start: ${(err as Error).message.split('\n')[0]}`,
        })
      }
    }
    const redis = redisAvailable() ? await startRedis().catch(() => null) : null
    statuses.push(
      redis === null
        ? {
            name: 'Redis Streams',
            measured: false,
            detail: 'redis-server not installed: Debian package redis-server',
          }
        : {
            name: 'Redis Streams',
            measured: true,
            detail: `${redis.version.split(' ').slice(0, 3).join(' ')}, appendonly yes, appendfsync everysec, one pipelined RESP connection`,
          },
    )
    statuses.push({
      name: 'Machine ceilings',
      measured: true,
      detail:
        'bare native sendfile to a loopback sink, bare fs.writev append loop, Node loopback TCP, samsa perf against a sink',
    })

    try {
      let kcatWarmup: string | undefined
      if (kcat) {
        kcatWarmup = path.join(scratchDir, 'kcat-warmup.txt')
        writeKcatInput(kcatWarmup, KCAT_WARMUP_MESSAGES, 1024)
      }
      for (const t of targets) {
        log(`${t.name}: warm-up, ${WARMUP_CYCLES} x ${JIT_WARMUP_MESSAGES} messages (not measured)`)
        await warmUpTarget(t, JIT_WARMUP_MESSAGES, WARMUP_CYCLES, congestion, kcatWarmup)
      }
      for (let round = 1; round <= rounds; round++) {
        log(`round ${round}/${rounds}: machine ceilings`)
        measurements.push(
          ...(await measureCeilings(
            round,
            profile.ceilingBytes,
            profile.messages(1024),
            congestion,
          )),
        )
        // Alternate the order of the targets from round to round.
        const order = round % 2 === 1 ? targets : [...targets].reverse()
        for (const t of order) {
          measurements.push(
            ...(await runTargetRound(t, {
              round,
              partitions: profile.partitions,
              messageSizes: profile.messageSizes,
              acks: profile.acks,
              messages: profile.messages,
              latencyRates: profile.latencyRates,
              latencySeconds: profile.latencySeconds,
              warmupSeconds: profile.warmupSeconds,
              kcat,
              congestion,
              scratchDir,
              log,
            })),
          )
        }
        if (redis !== null) {
          for (const size of profile.messageSizes) {
            log(`round ${round}: Redis Streams ${size} B`)
            const stream = `bench-${round}-${size}`
            const n = profile.redisMessages(size)
            const w = await redisXadd(redis, stream, n, size)
            const r = await redisXread(redis, stream, w.messages)
            const common = {
              target: 'Redis Streams',
              driver: 'resp' as const,
              partitions: 1,
              messageSize: size,
              acks: null,
              ratePct: null,
              round,
              produceLatencyUs: null,
              endToEndUs: null,
              congestion: null,
            }
            measurements.push(
              {
                ...common,
                workload: 'redis-xadd',
                messages: w.messages,
                msgsPerSec: w.msgsPerSec,
                mbPerSec: w.mbPerSec,
                cpuSecPerGb: w.serverCpuSecPerGb,
                rssBytes: w.serverRssBytes,
              },
              {
                ...common,
                workload: 'redis-xread',
                messages: r.messages,
                msgsPerSec: r.msgsPerSec,
                mbPerSec: r.mbPerSec,
                cpuSecPerGb: r.serverCpuSecPerGb,
                rssBytes: r.serverRssBytes,
              },
            )
            const { RespClient } = await import('./redis.js')
            const c = await RespClient.connect(redis.port)
            await c.call(['DEL', stream])
            c.close()
          }
        }
      }
    } finally {
      await redis?.stop()
    }
  } finally {
    for (const t of targets) await t.stop().catch(() => {})
    fs.rmSync(scratchDir, { recursive: true, force: true })
  }

  const sinkRate = measurements
    .filter((m) => m.workload === 'ceiling-perf-sink')
    .map((m) => m.mbPerSec)
  const perfMax = measurements
    .filter((m) => m.workload === 'produce-max' && m.driver === 'samsa-perf')
    .map((m) => m.mbPerSec)
  if (
    sinkRate.length > 0 &&
    perfMax.length > 0 &&
    Math.max(...perfMax) > 0.5 * Math.min(...sinkRate)
  )
    notes.push(
      `samsa perf reached ${Math.min(...sinkRate).toFixed(0)}-${Math.max(...sinkRate).toFixed(0)} MB/s against a sink and up to ${Math.max(...perfMax).toFixed(0)} MB/s against a broker: within 2x of its own ceiling, so max-rate produce figures may be partly generator-bound (compare with the kcat rows). Both share the 2 cores with the broker.`,
    )
  const kernelDefault = kernelCongestionDefault()
  const seen = [
    ...new Set(measurements.map((m) => m.congestion).filter((c): c is string => c !== null)),
  ]
  const result: SuiteResult = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    profile: profile.name,
    rounds,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: os.totalmem() / 2 ** 30,
      kernel: os.release(),
      node: process.version,
    },
    conditions: {
      memory: `warm. Before round 1 each target serves ${WARMUP_CYCLES} warm-up cycles, not measured, of what a measurement does: a new topic, ${JIT_WARMUP_MESSAGES / 1e6}M messages of 1 KiB produced and read back${kcat ? ` (and ${KCAT_WARMUP_MESSAGES / 1e6}M with kcat)` : ''}, the topic deleted (JIT compilers reach steady state, as in OMB's warm-up). Before every measured produce the topics of the previous measurement, topped up by a warm-up topic to at least the bytes about to be written, are deleted (log.segment.delete.delay.ms=0, samsa.log.segment.recycle.bytes=6 GiB), so the new log is appended into recycled page-cache pages; reads come from the page cache. Redis keeps its stream in memory (AOF appended to the page cache).`,
      congestionKernelDefault: kernelDefault,
      congestionRequested: congestion ?? null,
      congestionNote: `Seen on samsa perf client sockets: ${seen.length === 0 ? 'n/a' : seen.join(', ')}. ${congestion === undefined ? 'Broker sockets use the kernel default.' : `Samsa's sockets were set with samsa.tcp.congestion=${congestion}; the sendfile and loopback ceilings use it too.`} kcat, Kafka and Redis sockets use the kernel default.`,
      noise:
        'the machine is shared with other work; compare ratios measured in this run, not absolute numbers across runs.',
    },
    workloads: {
      partitions: profile.partitions,
      messageSizes: profile.messageSizes,
      acks: profile.acks,
      latencyRates: profile.latencyRates,
    },
    warmupSeconds: profile.warmupSeconds,
    targets: statuses,
    measurements,
    notes,
  }
  fs.mkdirSync(outDir, { recursive: true })
  const base = stamp(started)
  const json = path.join(outDir, `${base}.json`)
  fs.writeFileSync(json, JSON.stringify(result, null, 2) + '\n')
  const report = buildReport(result, base)
  for (const c of report.charts) fs.writeFileSync(path.join(outDir, c.name), c.svg)
  const markdown = path.join(outDir, `${base}.md`)
  fs.writeFileSync(markdown, report.markdown)
  return { json, markdown }
}

export async function runSuiteCli(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: ${SUITE_USAGE}\n`)
    return 0
  }
  try {
    const { json, markdown } = await runSuite(args)
    process.stdout.write(`results: ${json}\nreport:  ${markdown}\n`)
    return 0
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`samsa bench: ${err.message}\nusage: ${SUITE_USAGE}\n`)
      return 2
    }
    process.stderr.write(
      `samsa bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    return 1
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runSuiteCli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err)
      process.exitCode = 1
    },
  )
}
