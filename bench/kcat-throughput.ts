// kcat (librdkafka) producer and consumer throughput against a Samsa broker started here, with
// the broker's CPU-s/GB read from /proc. 1 KiB messages, 1 and 8 partitions.
//
// Memory warmth (reference/machine-ceilings.md): a log that grows into never-used guest memory
// costs several times the CPU of one that reuses page-cache pages. Each measured produce runs
// right after a same-sized warm-up topic was written and deleted (segment delete delay 0), so
// its appends land in recycled pages: "warm". The consume phase reads what was just written,
// from the page cache. Pass --cold to skip the warm-up and measure a log growing into fresh
// memory instead. --congestion NAME sets the broker's sockets' TCP congestion control (root or
// net.ipv4.tcp_allowed_congestion_control needed; the kernel default is reported otherwise).
// --tls repeats each run over the broker's SSL listener (certificates made with openssl), and
// prints TLS against plaintext (TLS responses are encrypted in the broker, without sendfile)
// and the broker's TLS produce against a bare Node TLS server's receive cost (tls-ceiling.ts).
//
// Run: npm run build:ts && node dist/bench/kcat-throughput.js [--messages N] [--partitions 1,8]
//      [--cold] [--congestion cubic] [--tls]
import { spawn } from 'node:child_process'
import type { Admin } from 'kafkajs'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { numArg, strArg } from './args.js'
import { kcatConsume, kcatProduce, writeKcatInput } from './suite/drivers.js'
import { cpuSeconds, freePort, hasCommand, stopAndRemove, waitForPort } from './suite/proc.js'
import { tlsReceiveCeiling } from './tls-ceiling.js'
import { makeTestCerts } from './tls-certs.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

interface Row {
  phase: string
  partitions: number
  seconds: number
  mbPerSec: number
  msgsPerSec: number
  brokerCpuSecPerGB: number
}

async function main(): Promise<void> {
  if (!hasCommand('kcat', ['-V']))
    throw new Error('kcat not found: install the Debian package kcat')
  const messages = numArg('messages', 500000)
  const partitionCounts = strArg('partitions', '1,8').split(',').map(Number)
  const cold = process.argv.includes('--cold')
  const congestion = strArg('congestion', '')
  const tls = process.argv.includes('--tls')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-'))
  const input = path.join(dir, 'messages.txt')
  writeKcatInput(input, messages, 1024)
  const payloadBytes = messages * 1024
  const dataDir = path.join(dir, 'data')

  const port = await freePort()
  const sslPort = await freePort()
  const certs = tls ? makeTestCerts(fs.mkdtempSync(path.join(dir, 'tls-'))) : null
  const sets = [
    `listeners=PLAINTEXT://127.0.0.1:${port}` + (tls ? `,SSL://127.0.0.1:${sslPort}` : ''),
    ...(certs === null ? [] : [`ssl.keystore.location=${certs.serverPem}`]),
    `log.dirs=${dataDir}`,
    'log.segment.delete.delay.ms=0',
    'admin.listener=',
    ...(congestion === '' ? [] : [`samsa.tcp.congestion=${congestion}`]),
  ]
  const broker = spawn(
    process.execPath,
    [path.join(root, 'bin/samsa.js'), 'start', ...sets.flatMap((kv) => ['--set', kv])],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  const brokerCpu = (): number => cpuSeconds(broker.pid ?? null) ?? Number.NaN
  const rows: Row[] = []
  let ceiling: { cpuSecPerGB: number; mbPerSec: number } | null = null
  try {
    await waitForPort('127.0.0.1', port, 30_000)
    const plain = { label: '', bootstrap: `127.0.0.1:${port}`, kcat: [] as string[] }
    const modes = [plain]
    if (certs !== null)
      modes.push({
        label: '-tls',
        bootstrap: `127.0.0.1:${sslPort}`,
        kcat: ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.ca}`],
      })
    for (const partitions of partitionCounts) {
      for (const mode of modes) {
        const topic = `bench-${partitions}${mode.label}`
        const create = (t: string) => (a: Admin) =>
          a.createTopics({ topics: [{ topic: t, numPartitions: partitions }] })
        await adminOp(plain.bootstrap, create(topic))
        if (!cold) {
          const warm = `${topic}-warmup`
          await adminOp(plain.bootstrap, create(warm))
          await kcatProduce(plain.bootstrap, warm, input, '1')
          // Freed guest pages return to the host within 1-2 s: the measured run starts as soon
          // as the broker's background removal of the warm-up directories is done (not before,
          // or that removal's CPU would be counted against the produce).
          await adminOp(plain.bootstrap, (a) => a.deleteTopics({ topics: [warm] }))
          await waitForRemoval(dataDir, `${warm}-`)
        }
        const cpu0 = brokerCpu()
        const produce = await kcatProduce(mode.bootstrap, topic, input, '1', mode.kcat)
        const cpu1 = brokerCpu()
        const consume = await kcatConsume(mode.bootstrap, topic, mode.kcat)
        const cpu2 = brokerCpu()
        if (consume.bytes !== payloadBytes) {
          throw new Error(`consumed ${consume.bytes} bytes, expected ${payloadBytes}`)
        }
        const row = (phase: string, seconds: number, cpu: number): Row => ({
          phase: phase + mode.label,
          partitions,
          seconds,
          mbPerSec: payloadBytes / 1e6 / seconds,
          msgsPerSec: messages / seconds,
          brokerCpuSecPerGB: cpu / (payloadBytes / 1e9),
        })
        rows.push(
          row('produce', produce.seconds, cpu1 - cpu0),
          row('consume', consume.seconds, cpu2 - cpu1),
        )
      }
    }
    // Before the broker stops and its directory (the certificates too) is removed.
    if (certs !== null) ceiling = await tlsReceiveCeiling(certs, payloadBytes)
  } finally {
    await stopAndRemove(broker, dir, 20_000)()
  }
  console.log(
    `kcat throughput, ${messages} x 1 KiB messages, acks=1, memory ` +
      `${cold ? 'cold (log grows into fresh pages)' : 'warm (recycled pages of a deleted warm-up topic)'}, ` +
      `broker congestion control ${congestion === '' ? 'kernel default' : congestion}`,
  )
  console.log('phase         partitions   seconds   MB/s     msgs/s     broker CPU-s/GB')
  for (const r of rows) {
    console.log(
      [
        r.phase.padEnd(13),
        String(r.partitions).padStart(10),
        r.seconds.toFixed(2).padStart(9),
        r.mbPerSec.toFixed(1).padStart(7),
        Math.round(r.msgsPerSec).toString().padStart(10),
        r.brokerCpuSecPerGB.toFixed(3).padStart(10),
      ].join(' '),
    )
  }
  console.log('(kcat itself shares the 2 cores with the broker; MB/s counts message payload bytes)')
  if (ceiling !== null) {
    console.log(
      `TLS receive ceiling (bare Node TLS server counting bytes): ` +
        `${ceiling.mbPerSec.toFixed(1)} MB/s, ${ceiling.cpuSecPerGB.toFixed(3)} CPU-s/GB`,
    )
    const p = rows.find((x) => x.phase === 'produce-tls')
    if (p !== undefined)
      console.log(
        `broker produce over TLS / TLS receive ceiling: CPU-s/GB ` +
          `${(p.brokerCpuSecPerGB / ceiling.cpuSecPerGB).toFixed(2)}x`,
      )
  }
  for (const r of rows.filter((x) => x.phase.endsWith('-tls'))) {
    const base = rows.find((x) => x.partitions === r.partitions && `${x.phase}-tls` === r.phase)
    if (base === undefined) continue
    console.log(
      `${r.phase} / ${base.phase}, ${r.partitions} partition(s): MB/s ` +
        `${(r.mbPerSec / base.mbPerSec).toFixed(2)}x, broker CPU-s/GB ` +
        `${(r.brokerCpuSecPerGB / base.brokerCpuSecPerGB).toFixed(2)}x`,
    )
  }
}

async function waitForRemoval(dataDir: string, prefix: string): Promise<void> {
  const until = Date.now() + 30_000
  while (fs.readdirSync(dataDir).some((f) => f.startsWith(prefix))) {
    if (Date.now() > until) throw new Error(`${prefix}* still on disk after 30 s`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function adminOp(bootstrap: string, op: (admin: Admin) => Promise<unknown>): Promise<void> {
  // KafkaJS admin is a devDependency; CreateTopics makes the partition count exact.
  const { Kafka, logLevel } = await import('kafkajs')
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    await op(admin)
  } finally {
    await admin.disconnect()
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err)
  process.exitCode = 1
})
