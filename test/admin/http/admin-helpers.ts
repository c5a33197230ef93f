// Shared by the admin listener tests: an in-process broker with the admin listener on a free
// port, Produce/Fetch through the admin client, and a Prometheus text parser.

import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { AdminClient } from '../../../src/admin/client/client.js'
import { startBroker } from '../../../src/broker.js'
import type { Broker } from '../../../src/broker.js'
import { loadBrokerConfig } from '../../../src/config/broker-config.js'
import { buildRecordBatch } from '../../../src/log/batch-builder.js'

export interface TestBroker {
  broker: Broker
  adminUrl: string
  kafkaPort: number
  stop(): Promise<void>
}

export async function startTestBroker(
  extra: ReadonlyArray<readonly [string, string]> = [],
): Promise<TestBroker> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'samsa-admin-'))
  const { config } = loadBrokerConfig({
    env: {},
    overrides: [
      ['listeners', 'PLAINTEXT://127.0.0.1:0'],
      ['log.dirs', dataDir],
      ['admin.listener', '127.0.0.1:0'],
      ...extra,
    ],
  })
  const broker = await startBroker(config, { banner: () => {}, log: () => {} })
  const admin = broker.admin
  return {
    broker,
    adminUrl: admin === null ? '' : admin.url,
    kafkaPort: broker.listeners[0]!.port,
    async stop() {
      await broker.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/** Produce and Fetch through the admin client, in the shapes these tests count. */
export class KafkaTestClient {
  private constructor(private readonly client: AdminClient) {}

  static async connect(port: number): Promise<KafkaTestClient> {
    return new KafkaTestClient(
      await AdminClient.connect(`127.0.0.1:${port}`, { clientId: 'admin-test' }),
    )
  }

  /** Produces one batch of `count` records; resolves with the base offset. */
  async produce(
    topic: string,
    partition: number,
    count: number,
    valueBytes = 100,
  ): Promise<number> {
    const value = Buffer.alloc(valueBytes, 0x61)
    const records = Array.from({ length: count }, () => ({ key: null, value }))
    const p = await this.client.produce(topic, partition, buildRecordBatch({ records }), 1)
    return p.baseOffset
  }

  /** Fetches from an offset without waiting; resolves with the record bytes returned. */
  async fetch(topic: string, partition: number, offset: number): Promise<number> {
    const conn = await this.client.leaderOf(topic, partition)
    const p = await this.client.fetch(conn, topic, partition, offset, { maxWaitMs: 0 })
    return p.records?.length ?? 0
  }

  close(): Promise<void> {
    return this.client.close()
  }
}

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parses the Prometheus text format strictly: every line is a comment or a sample. */
export function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ')
      types.set(name!, type!)
      continue
    }
    if (line.startsWith('# HELP ')) continue
    const m = SAMPLE_LINE.exec(line)
    if (m === null) throw new Error(`not a Prometheus sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!
    samples.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return { samples, types }
}
