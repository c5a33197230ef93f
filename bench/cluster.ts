// Cluster-mode figures on this machine: etcd and three broker processes started here.
// - Produce throughput and broker CPU-seconds per GB (user+system time summed over the three
//   broker processes, read from /proc/<pid>/stat) with RF=3 acks=all vs RF=1 acks=1, one
//   partition (or --partitions N, all led by broker 1 through a manual assignment, so that one
//   `samsa perf produce` drives them), `samsa perf produce` sending to the leader.
// - Failover: time from a leader's SIGKILL to the first successful acks=all write on the new
//   leader (2 s broker sessions, so most of it is the lease expiring).
//
// Run: npm run build:ts && node dist/bench/cluster.js [--messages 300000] [--message-size 1000]
//      [--partitions 1] [--rate MSGS_PER_SEC (0: as fast as it goes)]
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { AdminClient } from '../src/admin/client/client.js'
import { buildRecordBatch } from '../src/log/batch-builder.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = path.join(root, 'bin/samsa.js')

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

const MESSAGES = arg('messages', 300_000)
const SIZE = arg('message-size', 1000)
const PARTITIONS = arg('partitions', 1)
const RATE = arg('rate', 0)
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address()
      srv.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0))
    })
  })
}

function exited(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve()
  return new Promise((r) => p.once('exit', () => r()))
}

async function startEtcd(dir: string): Promise<{ url: string; proc: ChildProcess }> {
  const [cp, pp] = [await freePort(), await freePort()]
  const client = `http://127.0.0.1:${cp}`
  const peer = `http://127.0.0.1:${pp}`
  const proc = spawn(
    'etcd',
    ['--name', 'bench', '--data-dir', dir, '--listen-client-urls', client]
      .concat(['--advertise-client-urls', client, '--listen-peer-urls', peer])
      .concat(['--initial-advertise-peer-urls', peer, '--initial-cluster', `bench=${peer}`])
      .concat(['--log-level', 'error']),
    { stdio: 'ignore' },
  )
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(cp, '127.0.0.1')
      s.once('connect', () => (s.destroy(), r(true)))
      s.once('error', () => r(false))
    })
    if (ok) return { url: `etcd://127.0.0.1:${cp}`, proc }
    await sleep(50)
  }
  throw new Error('etcd did not start')
}

interface Broker {
  id: number
  proc: ChildProcess
  bootstrap: string
}

function startBroker(id: number, dir: string, etcdUrl: string, clusterId: string): Promise<Broker> {
  const sets = [
    'listeners=PLAINTEXT://127.0.0.1:0',
    `log.dirs=${dir}`,
    'admin.listener=',
    `node.id=${id}`,
    `cluster.id=${clusterId}`,
    `metadata.store=${etcdUrl}`,
    'samsa.broker.session.timeout.ms=2000',
    // Applies to acks=all only: the RF=1 run uses acks=1.
    'min.insync.replicas=2',
    'offsets.topic.num.partitions=3',
  ]
  const proc = spawn(process.execPath, [BIN, 'start', ...sets.flatMap((kv) => ['--set', kv])], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/.exec(out)
      if (m !== null) {
        out = ''
        resolve({ id, proc, bootstrap: `127.0.0.1:${m[1]}` })
      }
    })
    proc.once('exit', (code) => reject(new Error(`broker ${id} exited (${code}): ${out}`)))
  })
}

function cpuSeconds(pids: number[]): number {
  let ticks = 0
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // Process gone.
    }
  }
  return ticks / CLK_TCK
}

async function leaderOf(bootstrap: string, topic: string, isr: number): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const c = await AdminClient.connect(bootstrap, { timeoutMs: 2000 }).catch(() => null)
    if (c !== null) {
      try {
        const p = (await c.metadata([topic])).topics[0]?.partitions[0]
        if (p !== undefined && p.leaderId > 0 && p.isrNodes.length >= isr) return p.leaderId
      } catch {
        // Retry.
      } finally {
        await c.close()
      }
    }
    await sleep(100)
  }
  throw new Error(`no leader for ${topic}`)
}

/** One partition placed by the cluster, or PARTITIONS all on brokers [1..rf] (1 leads). */
async function createTopic(bootstrap: string, name: string, rf: number): Promise<void> {
  const c = await AdminClient.connect(bootstrap)
  const replicas = Array.from({ length: rf }, (_, i) => i + 1)
  const placed = PARTITIONS > 1
  try {
    const res = await c.createTopics({
      topics: [
        {
          name,
          numPartitions: placed ? -1 : 1,
          replicationFactor: placed ? -1 : rf,
          assignments: placed
            ? Array.from({ length: PARTITIONS }, (_, i) => ({
                partitionIndex: i,
                brokerIds: replicas,
              }))
            : [],
          configs: [],
        },
      ],
    })
    if (res.topics[0]?.errorCode !== 0)
      throw new Error(`create ${name}: ${res.topics[0]?.errorCode}`)
  } finally {
    await c.close()
  }
}

interface Row {
  name: string
  mbPerSec: number
  msgsPerSec: number
  p99Ms: number
  cpuPerGb: number
}

async function produceRun(brokers: Broker[], name: string, rf: number, acks: string): Promise<Row> {
  const any = brokers.map((b) => b.bootstrap).join(',')
  await createTopic(any, name, rf)
  const leader = await leaderOf(any, name, rf)
  const target = brokers.find((b) => b.id === leader)
  if (target === undefined) throw new Error('leader not running')
  const pids = brokers.map((b) => b.proc.pid ?? 0)
  const cpu0 = cpuSeconds(pids)
  const run = spawnSync(
    process.execPath,
    [BIN, 'perf', 'produce', '--topic', name, '--bootstrap-server', target.bootstrap]
      .concat(['--messages', String(MESSAGES), '--message-size', String(SIZE), '--acks', acks])
      .concat(['--partitions', String(PARTITIONS)])
      .concat(RATE > 0 ? ['--rate', String(RATE)] : [])
      .concat(['--json']),
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  )
  const cpu = cpuSeconds(pids) - cpu0
  const line = run.stdout.trim().split('\n').pop() ?? ''
  if (run.status !== 0 || !line.startsWith('{')) throw new Error(`perf failed: ${run.stderr}`)
  const r = JSON.parse(line) as {
    bytes: number
    mbPerSec: number
    msgsPerSec: number
    latencyUs: { p99: number }
  }
  return {
    name,
    mbPerSec: r.mbPerSec,
    msgsPerSec: r.msgsPerSec,
    p99Ms: r.latencyUs.p99 / 1000,
    cpuPerGb: cpu / (r.bytes / 1e9),
  }
}

async function failover(brokers: Broker[]): Promise<{ ms: number; from: number; to: number }> {
  const any = brokers.map((b) => b.bootstrap).join(',')
  await createTopic(any, 'bench-failover', 3)
  const leader = await leaderOf(any, 'bench-failover', 3)
  const victim = brokers.find((b) => b.id === leader)
  if (victim === undefined) throw new Error('leader not running')
  const rest = brokers.filter((b) => b !== victim)
  const batch = buildRecordBatch({ records: [{ value: Buffer.from('after-failover') }] })
  const restBootstrap = rest.map((b) => b.bootstrap).join(',')
  const killedAt = Date.now()
  victim.proc.kill('SIGKILL')
  await exited(victim.proc)
  for (;;) {
    const c = await AdminClient.connect(restBootstrap, { timeoutMs: 2000 }).catch(() => null)
    if (c !== null) {
      try {
        const p = (await c.metadata(['bench-failover'])).topics[0]?.partitions[0]
        if (p !== undefined && p.leaderId > 0 && p.leaderId !== leader) {
          await c.produce('bench-failover', 0, batch, -1)
          return { ms: Date.now() - killedAt, from: leader, to: p.leaderId }
        }
      } catch {
        // Not yet.
      } finally {
        await c.close()
      }
    }
    if (Date.now() - killedAt > 60_000) throw new Error('no new leader within 60 s')
    await sleep(20)
  }
}

async function main(): Promise<void> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-cluster-'))
  const procs: ChildProcess[] = []
  try {
    const etcd = await startEtcd(path.join(base, 'etcd'))
    procs.push(etcd.proc)
    const clusterId = `bench${Date.now()}`
    const brokers: Broker[] = []
    for (const id of [1, 2, 3]) {
      const b = await startBroker(id, path.join(base, `b${id}`), etcd.url, clusterId)
      procs.push(b.proc)
      brokers.push(b)
    }
    const rf3 = await produceRun(brokers, 'bench-rf3', 3, 'all')
    const rf1 = await produceRun(brokers, 'bench-rf1', 1, '1')
    const fo = await failover(brokers)
    const fmt = (r: Row, label: string): string =>
      `${label.padEnd(18)} ${r.mbPerSec.toFixed(1).padStart(8)} ${Math.round(r.msgsPerSec)
        .toString()
        .padStart(10)} ${r.p99Ms.toFixed(1).padStart(8)} ${r.cpuPerGb.toFixed(1).padStart(10)}`
    process.stdout.write(
      `cluster bench: 3 brokers + etcd on ${os.cpus().length} cores, ${MESSAGES} x ${SIZE} B, ${PARTITIONS} partition(s)${RATE > 0 ? `, ${RATE} msgs/s` : ''}\n` +
        `${'mode'.padEnd(18)} ${'MB/s'.padStart(8)} ${'msgs/s'.padStart(10)} ${'p99 ms'.padStart(8)} ${'CPU-s/GB'.padStart(10)}\n` +
        `${fmt(rf3, 'RF=3 acks=all')}\n${fmt(rf1, 'RF=1 acks=1')}\n` +
        `failover: SIGKILL of leader ${fo.from} -> first acks=all write on leader ${fo.to}: ${fo.ms} ms\n`,
    )
  } finally {
    for (const p of procs.reverse()) {
      p.kill('SIGKILL')
      await exited(p)
    }
    fs.rmSync(base, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`)
  process.exitCode = 1
})
