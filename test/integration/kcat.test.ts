// kcat (librdkafka) against a real broker: metadata, produce with every codec, consume back byte
// for byte, offsets (beginning, end, relative, by timestamp) and an idempotent producer.
import { execFile } from 'node:child_process'
import { open, readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess } from '../helpers/broker-process.js'
import type { BrokerProcess } from '../helpers/broker-process.js'
import { runKcat } from '../helpers/kcat.js'
import type { KcatRun } from '../helpers/kcat.js'

function kcatAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('kcat', ['-V'], { timeout: 5000 }, (err) => resolve(err === null))
  })
}

let bootstrap = ''

function kcat(args: string[], input?: string): Promise<KcatRun> {
  return runKcat(bootstrap, ['-m', '10', ...args], input)
}

function produce(topic: string, lines: string[], extra: string[] = []): Promise<KcatRun> {
  return kcat(['-P', '-t', topic, '-p', '0', '-K', ':', ...extra], lines.join('\n') + '\n')
}

function consume(topic: string, offset: string, extra: string[] = []): Promise<string[]> {
  return kcat([
    '-C',
    '-t',
    topic,
    '-p',
    '0',
    '-o',
    offset,
    '-e',
    '-f',
    '%o %k:%s\\n',
    ...extra,
  ]).then((r) => r.stdout.split('\n').filter((l) => l !== ''))
}

function messages(prefix: string, n: number): string[] {
  // Mixed sizes, some highly compressible, some not, all printable and newline-free.
  return Array.from({ length: n }, (_, i) => {
    const body = i % 3 === 0 ? 'x'.repeat(2000 + i) : `${prefix}-${i}-${(i * 2654435761) % 1000003}`
    return `key-${i}:${body}`
  })
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

let broker: BrokerProcess | undefined
let dataDir: string

/** The 61-byte header of the first record batch of partition 0, read from the segment file. */
async function firstBatchHeader(topic: string): Promise<Buffer> {
  const dir = path.join(dataDir, `${topic}-0`)
  const logFile = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort()[0]
  if (logFile === undefined) throw new Error(`no segment in ${dir}`)
  const fh = await open(path.join(dir, logFile), 'r')
  try {
    const head = Buffer.alloc(61)
    const { bytesRead } = await fh.read(head, 0, 61, 0)
    expect(bytesRead).toBe(61)
    return head
  } finally {
    await fh.close()
  }
}

beforeAll(async () => {
  if (!(await kcatAvailable())) {
    throw new Error(
      'kcat is not installed: install the Debian package "kcat" (apt-get install kcat)',
    )
  }
  broker = await startBrokerProcess()
  dataDir = broker.dataDir
  bootstrap = broker.bootstrap
})

afterAll(async () => {
  // the helper removes the data dir and kills anything still running
  await broker?.stop()
})

describe('kcat', () => {
  it('lists metadata (-L) with this broker and an auto-created topic', async () => {
    await kcat(['-L', '-t', 'meta-topic', '-X', 'allow.auto.create.topics=true'])
    const { stdout } = await kcat(['-L', '-J'])
    const meta = JSON.parse(stdout) as {
      brokers: { id: number; name: string }[]
      topics: { topic: string; partitions: unknown[] }[]
    }
    expect(meta.brokers).toHaveLength(1)
    expect(meta.brokers[0]!.name).toBe(bootstrap)
    expect(meta.topics.map((t) => t.topic)).toContain('meta-topic')
  })

  for (const codec of CODECS) {
    it(`produces keyed messages with ${codec} and reads them back byte for byte`, async () => {
      const topic = `codec-${codec}`
      const lines = messages(codec, 60)
      await produce(topic, lines, codec === 'none' ? [] : ['-z', codec])
      const got = await consume(topic, 'beginning')
      expect(got).toEqual(lines.map((l, i) => `${i} ${l}`))
      // The batches are stored as the client compressed them (attributes bits 0-2 = codec).
      // librdkafka only compresses with lz4 when the broker advertises FindCoordinator v0.
      const head = await firstBatchHeader(topic)
      expect(head.readInt16BE(21) & 7).toBe(CODECS.indexOf(codec))
    })
  }

  it('consumes from the beginning, the end, relative to the end and by timestamp', async () => {
    const topic = 'offsets'
    const early = messages('early', 10)
    await produce(topic, early)
    await new Promise((r) => setTimeout(r, 50))
    const splitAt = Date.now()
    await new Promise((r) => setTimeout(r, 50))
    const late = messages('late', 5)
    await produce(topic, late)
    const all = [...early, ...late].map((l, i) => `${i} ${l}`)
    expect(await consume(topic, 'beginning')).toEqual(all)
    expect(await consume(topic, 'end')).toEqual([])
    expect(await consume(topic, '-3')).toEqual(all.slice(-3))
    expect(await consume(topic, '4', ['-c', '2'])).toEqual(all.slice(4, 6))
    expect(await consume(topic, `s@${splitAt}`)).toEqual(all.slice(10))
    expect(await consume(topic, `s@${Date.now() + 60_000}`)).toEqual([])
  })

  it('an idempotent producer writes each message once with a producer id', async () => {
    const topic = 'idempotent'
    const lines = messages('idem', 200)
    await produce(topic, lines, [
      '-X',
      'enable.idempotence=true',
      '-X',
      'linger.ms=5',
      '-X',
      'batch.num.messages=20',
    ])
    const got = await consume(topic, 'beginning')
    expect(got).toEqual(lines.map((l, i) => `${i} ${l}`))
    // The first batch on disk carries the producer id InitProducerId handed out, sequence 0.
    const head = await firstBatchHeader(topic)
    expect(head.readBigInt64BE(43)).toBeGreaterThanOrEqual(0n) // producerId
    expect(head.readInt16BE(51)).toBe(0) // producerEpoch
    expect(head.readInt32BE(53)).toBe(0) // baseSequence
  })
})
