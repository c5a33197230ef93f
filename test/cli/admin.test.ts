// The admin commands against a real broker process, run as a user would: node bin/samsa.js.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir, runSamsa, startBrokerProcess } from '../helpers/broker-process.js'
import type { BrokerProcess } from '../helpers/broker-process.js'
import { runKcat } from '../helpers/kcat.js'

let broker: BrokerProcess
let b: string[]

beforeAll(async () => {
  broker = await startBrokerProcess({ set: { 'admin.listener': '' } })
  b = ['--bootstrap-server', broker.bootstrap]
})

afterAll(async () => {
  await broker.stop()
})

async function samsa(...args: string[]): Promise<{ code: number | null; output: string }> {
  return runSamsa([...args, ...b])
}

describe('samsa topics', () => {
  it('create, list, describe, alter and delete a topic', async () => {
    let r = await samsa(
      'topics',
      '--create',
      '--topic',
      'orders',
      '--partitions',
      '3',
      '--replication-factor',
      '1',
      '--config',
      'retention.ms=3600000',
    )
    expect(r.output).toBe('Created topic orders.\n')
    expect(r.code).toBe(0)

    r = await samsa('topics', 'create', '--topic', 'orders')
    expect(r.code).toBe(1)
    expect(r.output).toMatch(/cannot create topic 'orders': TOPIC_ALREADY_EXISTS/)
    expect((await samsa('topics', 'create', '--topic', 'orders', '--if-not-exists')).code).toBe(0)

    r = await samsa('topics', 'list')
    expect(r.output.split('\n')).toContain('orders')

    r = await samsa('topics', '--describe', '--topic', 'orders')
    expect(r.code).toBe(0)
    expect(r.output).toMatch(
      /Topic: orders\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: .*retention\.ms=3600000/,
    )
    expect(r.output.match(/\tPartition: \d+\tLeader: \d+/g)).toHaveLength(3)

    r = await samsa(
      'topics',
      'alter',
      '--topic',
      'orders',
      '--partitions',
      '5',
      '--config',
      'segment.bytes=1048576',
      '--delete-config',
      'retention.ms',
    )
    expect(r.code).toBe(0)
    r = await samsa('topics', 'describe', '--topic', 'orders')
    expect(r.output).toMatch(/PartitionCount: 5/)
    expect(r.output).toMatch(/segment\.bytes=1048576/)
    expect(r.output).not.toMatch(/retention\.ms/)

    r = await samsa('topics', 'alter', '--topic', 'orders', '--partitions', '2')
    expect(r.code).toBe(1)
    expect(r.output).toMatch(/has 5 partitions; the count can only grow/)

    r = await samsa('topics', 'delete', '--topic', 'orders')
    expect(r.output).toBe('Deleted topic orders.\n')
    r = await samsa('topics', 'describe', '--topic', 'orders')
    expect(r.code).toBe(1)
    expect(r.output).toMatch(/topic 'orders' does not exist/)
  })

  it('usage mistakes exit 2 with the usage', async () => {
    const r = await samsa('topics', 'create')
    expect(r.code).toBe(2)
    expect(r.output).toMatch(/--topic is required\nusage: samsa topics/)
  })
})

describe('samsa produce / consume', () => {
  it('round-trips keys, values and headers', async () => {
    expect((await samsa('topics', 'create', '--topic', 'rt', '--partitions', '2')).code).toBe(0)
    const dir = makeTempDir('samsa-produce-')
    const file = path.join(dir, 'in.txt')
    const lines = Array.from({ length: 50 }, (_, i) => `key-${i % 5}:value ${i}`)
    writeFileSync(file, lines.join('\n') + '\n')
    let r = await samsa(
      'produce',
      '--topic',
      'rt',
      '--file',
      file,
      '--key-separator',
      ':',
      '--header',
      'source=test',
      '--batch-size',
      '7',
    )
    expect(r.output).toMatch(/Produced 50 records to rt\./)
    expect(r.code).toBe(0)

    const json = path.join(dir, 'in.json')
    writeFileSync(
      json,
      JSON.stringify({ key: 'j', value: 'v', headers: { a: '1' }, partition: 1 }) + '\n',
    )
    expect((await samsa('produce', '-t', 'rt', '--format', 'json', '--file', json)).code).toBe(0)

    r = await samsa(
      'consume',
      '--topic',
      'rt',
      '--from-beginning',
      '--max-messages',
      '51',
      '--format',
      '{partition} {offset} {key}={value} [{headers}]',
    )
    expect(r.code).toBe(0)
    const got = r.output.split('\n').filter((l) => /^\d+ \d+ /.test(l))
    expect(got).toHaveLength(51)
    expect(r.output).toMatch(/Processed a total of 51 messages/)
    // every key lands on one partition, in order
    for (let k = 0; k < 5; k++) {
      const mine = got.filter((l) => l.includes(` key-${k}=`))
      expect(mine).toHaveLength(10)
      expect(new Set(mine.map((l) => l.split(' ')[0])).size).toBe(1)
      expect(mine.map((l) => Number(/value (\d+)/.exec(l)?.[1]))).toEqual(
        Array.from({ length: 10 }, (_, i) => k + 5 * i),
      )
      expect(mine.every((l) => l.endsWith('[source=test]'))).toBe(true)
    }
    expect(got).toContain(`1 ${got.filter((l) => l.startsWith('1 ')).length - 1} j=v [a=1]`)

    const p0 = got.find((l) => l.includes(' key-0='))?.split(' ')[0] as string
    r = await samsa(
      'consume',
      '-t',
      'rt',
      '--partition',
      p0,
      '--offset',
      '0',
      '--max-messages',
      '1',
      '--format',
      'json',
    )
    const rec = JSON.parse(r.output.split('\n')[0] as string) as Record<string, unknown>
    expect(rec).toMatchObject({ topic: 'rt', partition: Number(p0), offset: 0, key: 'key-0' })
    expect(rec.value).toBe('value 0')
    expect(rec.headers).toMatchObject({ source: 'test' })
  })

  it('consume decodes what librdkafka compressed with each codec', async () => {
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const topic = `z-${codec}`
      expect((await samsa('topics', 'create', '--topic', topic)).code).toBe(0)
      const input = Array.from({ length: 20 }, (_, i) => `${codec} record ${i}`).join('\n') + '\n'
      await runKcat(broker.bootstrap, ['-P', '-t', topic, '-z', codec], input)
      const r = await samsa('consume', '-t', topic, '--from-beginning', '--max-messages', '20')
      expect(r.code, r.output).toBe(0)
      expect(r.output.split('\n').filter((l) => l.startsWith(codec))).toEqual(
        Array.from({ length: 20 }, (_, i) => `${codec} record ${i}`),
      )
    }
  })

  it('consume stops after the idle timeout when nothing new arrives', async () => {
    expect((await samsa('topics', 'create', '--topic', 'quiet')).code).toBe(0)
    const r = await samsa('consume', '--topic', 'quiet', '--idle-timeout-ms', '600')
    expect(r.code).toBe(0)
    expect(r.output).toMatch(/Processed a total of 0 messages/)
  })
})

describe('samsa groups', () => {
  it('reset-offsets (dry run, then --execute), list, describe with lag, delete', async () => {
    expect((await samsa('topics', 'create', '--topic', 'gt', '--partitions', '2')).code).toBe(0)
    const dir = makeTempDir('samsa-groups-')
    const file = path.join(dir, 'in.txt')
    writeFileSync(file, 'a\nb\nc\nd\n')
    expect((await samsa('produce', '-t', 'gt', '--file', file, '--partition', '0')).code).toBe(0)

    const reset = ['groups', 'reset-offsets', '--group', 'g1', '--topic', 'gt', '--to-offset', '1']
    let r = await samsa(...reset)
    expect(r.output).toMatch(/Dry run: nothing changed/)
    expect((await samsa('groups', 'list')).output).not.toMatch(/g1/)

    r = await samsa(...reset, '--execute')
    expect(r.code).toBe(0)
    r = await samsa('groups', 'list')
    expect(r.output).toMatch(/^g1\s+Empty/m)
    r = await samsa('groups', 'describe', '--group', 'g1')
    expect(r.code).toBe(0)
    expect(r.output).toMatch(/^gt\s+0\s+1\s+4\s+3$/m)
    expect(r.output).toMatch(/^gt\s+1\s+0\s+0\s+0$/m)

    r = await samsa('groups', 'delete', '--group', 'g1')
    expect(r.output).toMatch(/Deleted group g1/)
    expect((await samsa('groups', 'list')).output).not.toMatch(/g1/)
  })
})

describe('errors', () => {
  it('an unreachable broker is named with what to check', async () => {
    const r = await runSamsa(['topics', 'list', '--bootstrap-server', '127.0.0.1:1'])
    expect(r.code).toBe(1)
    expect(r.output).toBe(
      'samsa topics: cannot reach 127.0.0.1:1: is the broker running? (ECONNREFUSED)\n',
    )
  })
})
