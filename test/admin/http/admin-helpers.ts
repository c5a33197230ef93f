// Shared by the admin listener tests: an in-process broker with the admin listener on a free
// port, raw Produce/Fetch requests over one connection, and a Prometheus text parser.

import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { startBroker } from '../../../src/broker.js'
import type { Broker } from '../../../src/broker.js'
import { loadBrokerConfig } from '../../../src/config/broker-config.js'
import { buildRecordBatch } from '../../../src/log/batch-builder.js'
import { encodeRequest, readResponseHeader } from '../../../src/protocol/header.js'
import { FetchRequestSchema, FetchResponseSchema } from '../../../src/protocol/messages/fetch.js'
import type { FetchRequest, FetchResponse } from '../../../src/protocol/messages/fetch.js'
import {
  ProduceRequestSchema,
  ProduceResponseSchema,
} from '../../../src/protocol/messages/produce.js'
import type { ProduceRequest, ProduceResponse } from '../../../src/protocol/messages/produce.js'
import { Reader } from '../../../src/protocol/primitives/reader.js'
import { Writer, concatChunks } from '../../../src/protocol/primitives/writer.js'
import { decodeMessage } from '../../../src/protocol/schema/codec.js'
import { RawClient } from '../../server/raw-client.js'

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

const PRODUCE_VERSION = 9
const FETCH_VERSION = 12

/** A connection that sends Produce and Fetch requests one at a time. */
export class KafkaTestClient {
  private correlationId = 1
  private constructor(private readonly raw: RawClient) {}

  static async connect(port: number): Promise<KafkaTestClient> {
    return new KafkaTestClient(await RawClient.connect(port))
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
    const request: ProduceRequest = {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [
        {
          name: topic,
          partitionData: [{ index: partition, records: buildRecordBatch({ records }) }],
        },
      ],
    }
    const id = this.correlationId++
    this.raw.write(
      concatChunks(
        encodeRequest(
          new Writer(),
          ProduceRequestSchema,
          PRODUCE_VERSION,
          id,
          'admin-test',
          request,
        ),
      ),
    )
    const frame = await this.raw.next()
    if (frame === null) throw new Error('connection closed before the produce response')
    const r = new Reader(frame)
    readResponseHeader(r, 1)
    const res = decodeMessage<ProduceResponse>(ProduceResponseSchema, PRODUCE_VERSION, r)
    const p = res.responses[0]!.partitionResponses[0]!
    if (p.errorCode !== 0) throw new Error(`produce failed with error ${p.errorCode}`)
    return p.baseOffset
  }

  /** Fetches from an offset; resolves with the record bytes returned. */
  async fetch(topic: string, partition: number, offset: number): Promise<number> {
    const request: FetchRequest = {
      clusterId: null,
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          partitions: [
            {
              partition,
              currentLeaderEpoch: -1,
              fetchOffset: offset,
              lastFetchedEpoch: -1,
              logStartOffset: -1,
              partitionMaxBytes: 1 << 20,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    }
    const id = this.correlationId++
    this.raw.write(
      concatChunks(
        encodeRequest(new Writer(), FetchRequestSchema, FETCH_VERSION, id, 'admin-test', request),
      ),
    )
    const frame = await this.raw.next()
    if (frame === null) throw new Error('connection closed before the fetch response')
    const r = new Reader(frame)
    readResponseHeader(r, 1)
    const res = decodeMessage<FetchResponse>(FetchResponseSchema, FETCH_VERSION, r)
    const p = res.responses[0]!.partitions[0]!
    if (p.errorCode !== 0) throw new Error(`fetch failed with error ${p.errorCode}`)
    return p.records?.length ?? 0
  }

  close(): void {
    this.raw.close()
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
