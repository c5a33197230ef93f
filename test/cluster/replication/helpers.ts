// In-process replication fixtures: single-node brokers whose services get a ReplicaManager over a
// FakeCluster, plus small Produce/Fetch/DeleteRecords calls over the admin client's connection.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fetchRequest } from '../../../src/admin/client/client.js'
import { KafkaConnection } from '../../../src/admin/client/connection.js'
import { startBroker } from '../../../src/broker.js'
import type { Broker } from '../../../src/broker.js'
import { ReplicaManager } from '../../../src/cluster/replication/replica-manager.js'
import { loadBrokerConfig } from '../../../src/config/broker-config.js'
import { buildRecordBatch } from '../../../src/log/batch-builder.js'
import {
  DeleteRecordsRequestSchema,
  DeleteRecordsResponseSchema,
} from '../../../src/protocol/messages/delete-records.js'
import type {
  DeleteRecordsRequest,
  DeleteRecordsResponse,
} from '../../../src/protocol/messages/delete-records.js'
import { FetchRequestSchema, FetchResponseSchema } from '../../../src/protocol/messages/fetch.js'
import type { FetchRequest, FetchResponse } from '../../../src/protocol/messages/fetch.js'
import {
  ProduceRequestSchema,
  ProduceResponseSchema,
} from '../../../src/protocol/messages/produce.js'
import type { ProduceRequest, ProduceResponse } from '../../../src/protocol/messages/produce.js'
import type { FakeCluster } from './fake-control.js'

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-repl-'))
}

export function values(tag: string, count: number, baseOffset = 0, epoch = 0): Buffer {
  const records = []
  for (let i = 0; i < count; i++) records.push({ key: null, value: Buffer.from(`${tag}-${i}`) })
  return buildRecordBatch({ records, baseOffset, partitionLeaderEpoch: epoch })
}

export interface Node {
  id: number
  broker: Broker
  replication: ReplicaManager
  dir: string
  close(): Promise<void>
}

export async function startNode(
  cluster: FakeCluster,
  id: number,
  opts: { lagTimeMaxMs?: number; clock?: () => number; minIsr?: number } = {},
): Promise<Node> {
  const dir = tmpDir()
  const { config } = loadBrokerConfig({
    env: {},
    overrides: [
      ['listeners', 'PLAINTEXT://127.0.0.1:0'],
      ['log.dirs', dir],
      ['node.id', String(id)],
      ['min.insync.replicas', String(opts.minIsr ?? 1)],
    ],
  })
  const broker = await startBroker(config, { banner: () => {}, log: () => {} })
  const port = broker.listeners[0].port
  cluster.brokers.set(id, { nodeId: id, host: '127.0.0.1', port, rack: null })
  const replication = new ReplicaManager({
    control: cluster.view(id),
    logs: broker.services.logs,
    notifyFetch: (t, p) => broker.services.purgatory.notify(t, p),
    lagTimeMaxMs: opts.lagTimeMaxMs ?? 30_000,
    isrCheckIntervalMs: 3_600_000,
    clock: opts.clock,
    fetcher: { maxWaitMs: 100, backoffMs: 100 },
  })
  broker.services.replication = replication
  replication.start()
  return {
    id,
    broker,
    replication,
    dir,
    async close() {
      await replication.close()
      await broker.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function connect(node: Node): Promise<KafkaConnection> {
  return KafkaConnection.connect('127.0.0.1', node.broker.listeners[0].port, { timeoutMs: 10_000 })
}

export async function produce(
  conn: KafkaConnection,
  topic: string,
  records: Buffer,
  acks: number,
  timeoutMs = 5000,
): Promise<{ errorCode: number; baseOffset: number }> {
  const res = await conn.send<ProduceRequest, ProduceResponse>(
    ProduceRequestSchema,
    ProduceResponseSchema,
    {
      transactionalId: null,
      acks,
      timeoutMs,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    },
  )
  const p = res.responses[0].partitionResponses[0]
  return { errorCode: p.errorCode, baseOffset: p.baseOffset }
}

export async function consume(
  conn: KafkaConnection,
  topic: string,
  offset: number,
  currentLeaderEpoch = -1,
): Promise<{ errorCode: number; highWatermark: number; bytes: number }> {
  const res = await conn.send<FetchRequest, FetchResponse>(
    FetchRequestSchema,
    FetchResponseSchema,
    fetchRequest(topic, [{ partition: 0, offset }], {
      maxWaitMs: 0,
      minBytes: 0,
      currentLeaderEpoch,
    }),
  )
  const p = res.responses[0].partitions[0]
  return { errorCode: p.errorCode, highWatermark: p.highWatermark, bytes: p.records?.length ?? 0 }
}

export async function deleteRecords(
  conn: KafkaConnection,
  topic: string,
  offset: number,
  timeoutMs = 5000,
): Promise<{ errorCode: number; lowWatermark: number }> {
  const res = await conn.send<DeleteRecordsRequest, DeleteRecordsResponse>(
    DeleteRecordsRequestSchema,
    DeleteRecordsResponseSchema,
    { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset }] }], timeoutMs },
  )
  const p = res.topics[0].partitions[0]
  return { errorCode: p.errorCode, lowWatermark: p.lowWatermark }
}

export { until } from '../../helpers/wait.js'
