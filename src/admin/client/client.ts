// A small Kafka admin/data client for the `samsa` tools: bootstrap from host:port list, Metadata
// to learn brokers and partition leaders, and one method per request the tools need. Requests
// for a partition go to its leader; connections are made on demand and kept per broker.

import { KafkaConnection, ClientError } from './connection.js'
import type { ConnectOptions } from './connection.js'
import { errorName } from '../../protocol/errors.js'
import { MetadataRequestSchema, MetadataResponseSchema } from '../../protocol/messages/metadata.js'
import type {
  MetadataRequest,
  MetadataResponse,
  MetadataResponseTopic,
} from '../../protocol/messages/metadata.js'
import {
  CreateTopicsRequestSchema,
  CreateTopicsResponseSchema,
} from '../../protocol/messages/create-topics.js'
import type {
  CreateTopicsRequest,
  CreateTopicsResponse,
} from '../../protocol/messages/create-topics.js'
import {
  DeleteTopicsRequestSchema,
  DeleteTopicsResponseSchema,
} from '../../protocol/messages/delete-topics.js'
import type {
  DeleteTopicsRequest,
  DeleteTopicsResponse,
} from '../../protocol/messages/delete-topics.js'
import {
  CreatePartitionsRequestSchema,
  CreatePartitionsResponseSchema,
} from '../../protocol/messages/create-partitions.js'
import type {
  CreatePartitionsRequest,
  CreatePartitionsResponse,
} from '../../protocol/messages/create-partitions.js'
import {
  DescribeConfigsRequestSchema,
  DescribeConfigsResponseSchema,
} from '../../protocol/messages/describe-configs.js'
import type {
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  DescribeConfigsResourceResult,
} from '../../protocol/messages/describe-configs.js'
import {
  IncrementalAlterConfigsRequestSchema,
  IncrementalAlterConfigsResponseSchema,
} from '../../protocol/messages/incremental-alter-configs.js'
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse,
} from '../../protocol/messages/incremental-alter-configs.js'
import { ProduceRequestSchema, ProduceResponseSchema } from '../../protocol/messages/produce.js'
import type {
  ProducePartitionResponse,
  ProduceRequest,
  ProduceResponse,
} from '../../protocol/messages/produce.js'
import { FetchRequestSchema, FetchResponseSchema } from '../../protocol/messages/fetch.js'
import type {
  FetchPartitionData,
  FetchRequest,
  FetchResponse,
} from '../../protocol/messages/fetch.js'
import {
  ListOffsetsRequestSchema,
  ListOffsetsResponseSchema,
} from '../../protocol/messages/list-offsets.js'
import type {
  ListOffsetsRequest,
  ListOffsetsResponse,
} from '../../protocol/messages/list-offsets.js'
import type { MessageSchema } from '../../protocol/schema/dsl.js'

export { ClientError }

export const RESOURCE_TOPIC = 2
export const RESOURCE_BROKER = 4
export const OP_SET = 0
export const OP_DELETE = 1
export const EARLIEST = -2
export const LATEST = -1

export interface BrokerAddress {
  host: string
  port: number
}

export function parseBootstrap(text: string): BrokerAddress[] {
  const out: BrokerAddress[] = []
  for (const item of text.split(',').map((s) => s.trim())) {
    if (item === '') continue
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d+)$/.exec(item)
    if (m === null) throw new ClientError(`--bootstrap-server '${item}' is not host:port`)
    out.push({ host: (m[1] as string).replace(/^\[|\]$/g, ''), port: Number(m[2]) })
  }
  if (out.length === 0) throw new ClientError('--bootstrap-server needs at least one host:port')
  return out
}

/** Throws a ClientError naming the error code when it is not 0. */
export function check(code: number, what: string, message?: string | null): void {
  if (code === 0) return
  const detail = message !== undefined && message !== null && message !== '' ? `: ${message}` : ''
  throw new ClientError(`${what}: ${errorName(code)}${detail}`)
}

export interface FetchOptions {
  /** Per response, and per partition unless partitionMaxBytes is given; default 1 MiB. */
  maxBytes?: number
  partitionMaxBytes?: number
  /** Default 500 ms. */
  maxWaitMs?: number
  /** Default 1. */
  minBytes?: number
  /** Default -1 (no fencing). */
  currentLeaderEpoch?: number
}

/** A consumer's Fetch of partitions of one topic, each from its offset. */
export function fetchRequest(
  topic: string,
  partitions: readonly { partition: number; offset: number }[],
  options: FetchOptions = {},
): FetchRequest {
  const maxBytes = options.maxBytes ?? 1 << 20
  return {
    clusterId: null,
    replicaId: -1,
    maxWaitMs: options.maxWaitMs ?? 500,
    minBytes: options.minBytes ?? 1,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: partitions.map(({ partition, offset }) => ({
          partition,
          currentLeaderEpoch: options.currentLeaderEpoch ?? -1,
          fetchOffset: offset,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes: options.partitionMaxBytes ?? maxBytes,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  }
}

export class AdminClient {
  private readonly byNode = new Map<number, Promise<KafkaConnection>>()
  private brokers = new Map<number, BrokerAddress>()

  private constructor(
    private readonly bootstrap: KafkaConnection,
    private readonly options: ConnectOptions,
  ) {}

  static async connect(servers: string, options: ConnectOptions = {}): Promise<AdminClient> {
    let lastError: unknown = null
    for (const addr of parseBootstrap(servers)) {
      try {
        return new AdminClient(
          await KafkaConnection.connect(addr.host, addr.port, options),
          options,
        )
      } catch (err) {
        lastError = err
      }
    }
    throw lastError instanceof Error ? lastError : new ClientError(String(lastError))
  }

  /** The bootstrap connection (admin requests any broker can answer). */
  get any(): KafkaConnection {
    return this.bootstrap
  }

  request<Req, Res>(reqSchema: MessageSchema, resSchema: MessageSchema, body: Req): Promise<Res> {
    return this.bootstrap.send<Req, Res>(reqSchema, resSchema, body)
  }

  async connectionTo(nodeId: number): Promise<KafkaConnection> {
    let conn = this.byNode.get(nodeId)
    if (conn === undefined) {
      const addr = this.brokers.get(nodeId)
      if (addr === undefined) throw new ClientError(`broker ${nodeId} is not in the metadata`)
      conn =
        addr.host === this.bootstrap.host && addr.port === this.bootstrap.port
          ? Promise.resolve(this.bootstrap)
          : KafkaConnection.connect(addr.host, addr.port, this.options)
      this.byNode.set(nodeId, conn)
    }
    return conn
  }

  async metadata(
    topics: string[] | null,
    allowAutoTopicCreation = false,
  ): Promise<MetadataResponse> {
    const res = await this.request<Partial<MetadataRequest>, MetadataResponse>(
      MetadataRequestSchema,
      MetadataResponseSchema,
      { topics: topics === null ? null : topics.map((name) => ({ name })), allowAutoTopicCreation },
    )
    this.brokers = new Map(res.brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }]))
    return res
  }

  /** Metadata of one existing topic; a clear error when it does not exist. */
  async topic(name: string): Promise<MetadataResponseTopic> {
    const res = await this.metadata([name])
    const t = res.topics.find((x) => x.name === name)
    if (t === undefined || t.errorCode === 3)
      throw new ClientError(`topic '${name}' does not exist (list them with: samsa topics list)`)
    check(t.errorCode, `topic '${name}'`)
    return t
  }

  async leaderOf(topic: string, partition: number): Promise<KafkaConnection> {
    const t = await this.topic(topic)
    const p = t.partitions.find((x) => x.partitionIndex === partition)
    if (p === undefined)
      throw new ClientError(
        `topic '${topic}' has no partition ${partition} (it has ${t.partitions.length})`,
      )
    check(p.errorCode, `${topic}-${partition}`)
    return this.connectionTo(p.leaderId)
  }

  createTopics(body: Partial<CreateTopicsRequest>): Promise<CreateTopicsResponse> {
    return this.request(CreateTopicsRequestSchema, CreateTopicsResponseSchema, {
      timeoutMs: 30_000,
      validateOnly: false,
      ...body,
    })
  }

  deleteTopics(names: string[]): Promise<DeleteTopicsResponse> {
    return this.request<Partial<DeleteTopicsRequest>, DeleteTopicsResponse>(
      DeleteTopicsRequestSchema,
      DeleteTopicsResponseSchema,
      { topicNames: names, timeoutMs: 30_000 },
    )
  }

  createPartitions(topic: string, count: number): Promise<CreatePartitionsResponse> {
    return this.request<CreatePartitionsRequest, CreatePartitionsResponse>(
      CreatePartitionsRequestSchema,
      CreatePartitionsResponseSchema,
      {
        topics: [{ name: topic, count, assignments: null }],
        timeoutMs: 30_000,
        validateOnly: false,
      },
    )
  }

  async describeConfigs(
    resourceType: number,
    name: string,
    keys: string[] | null = null,
  ): Promise<DescribeConfigsResourceResult[]> {
    const res = await this.request<Partial<DescribeConfigsRequest>, DescribeConfigsResponse>(
      DescribeConfigsRequestSchema,
      DescribeConfigsResponseSchema,
      {
        resources: [{ resourceType, resourceName: name, configurationKeys: keys }],
        includeSynonyms: false,
        includeDocumentation: false,
      },
    )
    const r = res.results[0]
    if (r === undefined) throw new ClientError('DescribeConfigs returned no result')
    check(r.errorCode, `describe configs of '${name}'`, r.errorMessage)
    return r.configs
  }

  async alterConfigs(
    resourceType: number,
    name: string,
    set: ReadonlyArray<readonly [string, string]>,
    remove: readonly string[],
  ): Promise<void> {
    const res = await this.request<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(
      IncrementalAlterConfigsRequestSchema,
      IncrementalAlterConfigsResponseSchema,
      {
        resources: [
          {
            resourceType,
            resourceName: name,
            configs: [
              ...set.map(([k, v]) => ({ name: k, configOperation: OP_SET, value: v })),
              ...remove.map((k) => ({ name: k, configOperation: OP_DELETE, value: null })),
            ],
          },
        ],
        validateOnly: false,
      },
    )
    for (const r of res.responses) check(r.errorCode, `alter configs of '${name}'`, r.errorMessage)
  }

  async produce(
    topic: string,
    partition: number,
    records: Buffer,
    acks = -1,
  ): Promise<ProducePartitionResponse> {
    const conn = await this.leaderOf(topic, partition)
    const res = await conn.send<ProduceRequest, ProduceResponse>(
      ProduceRequestSchema,
      ProduceResponseSchema,
      {
        transactionalId: null,
        acks,
        timeoutMs: 30_000,
        topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
      },
    )
    const p = res.responses[0]?.partitionResponses[0]
    if (p === undefined) throw new ClientError('Produce returned no partition result')
    check(p.errorCode, `produce to ${topic}-${partition}`, p.errorMessage)
    return p
  }

  async fetch(
    conn: KafkaConnection,
    topic: string,
    partition: number,
    offset: number,
    options: FetchOptions = {},
  ): Promise<FetchPartitionData> {
    const res = await conn.send<FetchRequest, FetchResponse>(
      FetchRequestSchema,
      FetchResponseSchema,
      fetchRequest(topic, [{ partition, offset }], options),
    )
    check(res.errorCode, `fetch ${topic}-${partition}`)
    const p = res.responses[0]?.partitions[0]
    if (p === undefined) throw new ClientError('Fetch returned no partition result')
    check(p.errorCode, `fetch ${topic}-${partition} at offset ${offset}`)
    return p
  }

  /** EARLIEST (-2), LATEST (-1) or a timestamp; returns the offset per partition. */
  async listOffsets(
    topic: string,
    partitions: number[],
    timestamp: number,
  ): Promise<Map<number, number>> {
    const out = new Map<number, number>()
    const t = await this.topic(topic)
    const byLeader = new Map<number, number[]>()
    for (const p of partitions) {
      const meta = t.partitions.find((x) => x.partitionIndex === p)
      if (meta === undefined) throw new ClientError(`topic '${topic}' has no partition ${p}`)
      byLeader.set(meta.leaderId, [...(byLeader.get(meta.leaderId) ?? []), p])
    }
    for (const [leader, ps] of byLeader) {
      const conn = await this.connectionTo(leader)
      const res = await conn.send<Partial<ListOffsetsRequest>, ListOffsetsResponse>(
        ListOffsetsRequestSchema,
        ListOffsetsResponseSchema,
        {
          replicaId: -1,
          isolationLevel: 0,
          topics: [
            {
              name: topic,
              partitions: ps.map((partitionIndex) => ({
                partitionIndex,
                currentLeaderEpoch: -1,
                timestamp,
                maxNumOffsets: 1,
              })),
            },
          ],
        },
      )
      for (const rt of res.topics)
        for (const rp of rt.partitions) {
          check(rp.errorCode, `list offsets of ${topic}-${rp.partitionIndex}`)
          out.set(rp.partitionIndex, rp.offset)
        }
    }
    return out
  }

  async close(): Promise<void> {
    const conns = await Promise.allSettled([...this.byNode.values()])
    for (const c of conns) if (c.status === 'fulfilled') c.value.close()
    this.bootstrap.close()
  }
}
