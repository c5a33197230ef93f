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
//
// Run: npm run build:ts && node dist/bench/kcat-throughput.js [--messages N] [--partitions 1,8]
//      [--cold] [--congestion cubic]
import { spawn, spawnSync } from 'node:child_process'
import type { Admin } from 'kafkajs'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { numArg, strArg } from './args.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })
}

function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > until) throw new Error(`broker did not listen on ${port}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function runKcat(
  args: string[],
  input?: string,
): Promise<{ seconds: number; stdoutBytes: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn('kcat', args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    let stdoutBytes = 0
    let stderr = ''
    child.stdout?.on('data', (d: Buffer) => (stdoutBytes += d.length))
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    if (input !== undefined) fs.createReadStream(input).pipe(child.stdin!)
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      if (code !== 0)
        reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`))
      else resolve({ seconds, stdoutBytes })
    })
  })
}

interface Row {
  phase: string
  partitions: number
  messages: number
  seconds: number
  mbPerSec: number
  msgsPerSec: number
  brokerCpuSecPerGB: number
}

async function main(): Promise<void> {
  if (spawnSync('kcat', ['-V']).status !== 0)
    throw new Error('kcat not found: install the Debian package kcat')
  const messages = numArg('messages', 500000)
  const partitionCounts = strArg('partitions', '1,8').split(',').map(Number)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-'))
  const input = path.join(dir, 'messages.txt')
  const line = 'x'.repeat(1023) + '\n'
  const fd = fs.openSync(input, 'w')
  const block = line.repeat(1024)
  for (let i = 0; i < messages; i += 1024)
    fs.writeSync(fd, i + 1024 <= messages ? block : line.repeat(messages - i))
  fs.closeSync(fd)
  const payloadBytes = messages * 1024

  const cold = process.argv.includes('--cold')
  const congestion = strArg('congestion', '')
  const port = await freePort()
  const sets = [
    `listeners=PLAINTEXT://127.0.0.1:${port}`,
    `log.dirs=${path.join(dir, 'data')}`,
    'log.segment.delete.delay.ms=0',
    'admin.listener=',
    ...(congestion === '' ? [] : [`samsa.tcp.congestion=${congestion}`]),
  ]
  const broker = spawn(
    process.execPath,
    [path.join(root, 'bin/samsa.js'), 'start', ...sets.flatMap((kv) => ['--set', kv])],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  )
  const rows: Row[] = []
  try {
    await waitForPort(port, 30_000)
    const bootstrap = `127.0.0.1:${port}`
    const producerOpts = [
      '-X',
      'linger.ms=5',
      '-X',
      'batch.num.messages=10000',
      '-X',
      'queue.buffering.max.kbytes=1048576',
      '-X',
      'acks=1',
    ]
    for (const partitions of partitionCounts) {
      const topic = `bench-${partitions}`
      await adminOp(bootstrap, (a) =>
        a.createTopics({ topics: [{ topic, numPartitions: partitions }] }),
      )
      if (!cold) {
        const warm = `${topic}-warmup`
        await adminOp(bootstrap, (a) =>
          a.createTopics({ topics: [{ topic: warm, numPartitions: partitions }] }),
        )
        await runKcat(['-P', '-b', bootstrap, '-t', warm, ...producerOpts, '-l', input])
        // Freed guest pages return to the host within 1-2 s: the measured run starts as soon as
        // the broker's background removal of the warm-up directories is done (not before, or
        // that removal's CPU would be counted against the produce).
        await adminOp(bootstrap, (a) => a.deleteTopics({ topics: [warm] }))
        await waitForRemoval(path.join(dir, 'data'), `${warm}-`)
      }
      const cpu0 = cpuSeconds(broker.pid!)
      const produce = await runKcat([
        '-P',
        '-b',
        bootstrap,
        '-t',
        topic,
        ...producerOpts,
        '-l',
        input,
      ])
      const cpu1 = cpuSeconds(broker.pid!)
      const consume = await runKcat([
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
      ])
      const cpu2 = cpuSeconds(broker.pid!)
      if (consume.stdoutBytes !== payloadBytes) {
        throw new Error(`consumed ${consume.stdoutBytes} bytes, expected ${payloadBytes}`)
      }
      const row = (phase: string, seconds: number, brokerCpu: number): Row => ({
        phase,
        partitions,
        messages,
        seconds,
        mbPerSec: payloadBytes / 1e6 / seconds,
        msgsPerSec: messages / seconds,
        brokerCpuSecPerGB: brokerCpu / (payloadBytes / 1e9),
      })
      rows.push(
        row('produce', produce.seconds, cpu1 - cpu0),
        row('consume', consume.seconds, cpu2 - cpu1),
      )
    }
  } finally {
    broker.kill('SIGTERM')
    await new Promise((r) => broker.once('close', r))
    fs.rmSync(dir, { recursive: true, force: true })
  }
  console.log(
    `kcat throughput, 1 KiB messages, acks=1, memory ${cold ? 'cold (log grows into fresh pages)' : 'warm (recycled pages of a deleted warm-up topic)'}, ` +
      `broker congestion control ${congestion === '' ? 'kernel default' : congestion}`,
  )
  console.log('phase    partitions  messages   seconds   MB/s     msgs/s     broker CPU-s/GB')
  for (const r of rows) {
    console.log(
      `${r.phase.padEnd(8)} ${String(r.partitions).padStart(10)} ${String(r.messages).padStart(9)} ${r.seconds.toFixed(2).padStart(9)} ${r.mbPerSec.toFixed(1).padStart(7)} ${Math.round(r.msgsPerSec).toString().padStart(10)} ${r.brokerCpuSecPerGB.toFixed(3).padStart(10)}`,
    )
  }
  console.log('(kcat itself shares the 2 cores with the broker; MB/s counts message payload bytes)')
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
