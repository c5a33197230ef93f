// kcat (librdkafka) balanced consumers against a real broker process: two `kcat -G` members of one
// group split a 4-partition topic between them and together read every message once.
// Needs the Debian package `kcat`.
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, describe, expect, it } from 'vitest'
import { startBrokerProcess } from '../helpers/broker-process.js'
import type { BrokerProcess } from '../helpers/broker-process.js'

const children = new Set<ChildProcess>()
let broker: BrokerProcess | undefined

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL')
  await broker?.stop().catch(() => undefined)
})

function requireKcat(): void {
  const r = spawnSync('kcat', ['-V'], { stdio: 'ignore' })
  if (r.error !== undefined || r.status !== 0) {
    throw new Error('kcat not found: install the Debian package "kcat" (apt-get install kcat)')
  }
}

interface KcatMember {
  proc: ChildProcess
  lines: string[]
  exited: Promise<void>
}

function kcatMember(bootstrap: string, group: string, topic: string): KcatMember {
  const proc = spawn(
    'kcat',
    [
      '-b',
      bootstrap,
      '-G',
      group,
      topic,
      '-u',
      '-o',
      'beginning',
      '-X',
      'session.timeout.ms=6000',
      '-X',
      'heartbeat.interval.ms=500',
      '-f',
      '%p %s\\n',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.add(proc)
  const m: KcatMember = {
    proc,
    lines: [],
    exited: new Promise((resolve) => proc.on('close', () => resolve())),
  }
  let buf = ''
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString('utf8')
    const parts = buf.split('\n')
    buf = parts.pop() ?? ''
    m.lines.push(...parts.filter((l) => l !== ''))
  })
  proc.stderr?.on('data', () => undefined)
  return m
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('kcat balanced consumers', () => {
  it('two kcat -G members split the partitions and read every message once', async () => {
    requireKcat()
    broker = await startBrokerProcess({
      set: {
        'group.initial.rebalance.delay.ms': '1500',
        'group.min.session.timeout.ms': '1000',
        'offsets.topic.num.partitions': '3',
      },
    })
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'kc', numPartitions: 4 }], waitForLeaders: true })
    await admin.disconnect()
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({
      topic: 'kc',
      messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `m${i}` })),
    })
    await producer.disconnect()

    const a = kcatMember(broker.bootstrap, 'kg', 'kc')
    const b = kcatMember(broker.bootstrap, 'kg', 'kc')
    await waitFor('40 messages', () => a.lines.length + b.lines.length >= 40)
    await new Promise((r) => setTimeout(r, 500))
    const parts = (m: KcatMember): Set<string> => new Set(m.lines.map((l) => l.split(' ')[0]))
    const values = [...a.lines, ...b.lines].map((l) => l.split(' ')[1]).sort()
    expect(values).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`).sort())
    const pa = parts(a)
    const pb = parts(b)
    expect(pa.size).toBe(2)
    expect(pb.size).toBe(2)
    expect([...pa].filter((p) => pb.has(p))).toEqual([])

    const describeAdmin = kafka.admin()
    await describeAdmin.connect()
    const d = await describeAdmin.describeGroups(['kg'])
    expect(d.groups[0].state).toBe('Stable')
    expect(d.groups[0].members).toHaveLength(2)
    await describeAdmin.disconnect()

    a.proc.kill('SIGTERM')
    b.proc.kill('SIGTERM')
    await Promise.all([a.exited, b.exited])
  }, 90_000)
})
