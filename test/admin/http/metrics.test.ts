// /metrics after real produce and fetch traffic against an in-process broker: the exposition
// parses, and the metric families carry the label sets and values the traffic implies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { topicManagerFor } from '../../../src/metadata/topic-manager.js'
import { KafkaTestClient, parsePrometheus, startTestBroker } from './admin-helpers.js'
import type { Sample, TestBroker } from './admin-helpers.js'

let tb: TestBroker
let samples: Sample[]
let types: Map<string, string>
let contentType: string | null

function find(name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )
}

function value(name: string, labels: Record<string, string> = {}): number {
  const found = find(name, labels)
  if (found.length !== 1)
    throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} samples`)
  return found[0]!.value
}

beforeAll(async () => {
  tb = await startTestBroker()
  const topics = topicManagerFor(tb.broker.services)
  await topics.create('orders', 2, {})
  await topics.create('audit', 1, {})
  const client = await KafkaTestClient.connect(tb.kafkaPort)
  // orders: 3 batches of 10 records on partition 0, 1 batch of 5 on partition 1; audit: 7.
  for (let i = 0; i < 3; i++) await client.produce('orders', 0, 10)
  await client.produce('orders', 1, 5)
  await client.produce('audit', 0, 7)
  const fetched = await client.fetch('orders', 0, 0)
  expect(fetched).toBe(tb.broker.services.logs.get('orders', 0)!.sizeInBytes())
  await client.close()
  const res = await fetch(`${tb.adminUrl}/metrics`)
  expect(res.status).toBe(200)
  contentType = res.headers.get('content-type')
  ;({ samples, types } = parsePrometheus(await res.text()))
})

afterAll(async () => {
  await tb?.stop()
})

describe('/metrics', () => {
  it('is Prometheus text format', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(samples.length).toBeGreaterThan(50)
  })

  it('counts bytes and messages in per topic, bytes out per topic', () => {
    const orders = tb.broker.services.logs.get('orders', 0)!.sizeInBytes()
    const orders1 = tb.broker.services.logs.get('orders', 1)!.sizeInBytes()
    const audit = tb.broker.services.logs.get('audit', 0)!.sizeInBytes()
    expect(types.get('samsa_topic_bytes_in_total')).toBe('counter')
    expect(value('samsa_topic_messages_in_total', { topic: 'orders' })).toBe(35)
    expect(value('samsa_topic_messages_in_total', { topic: 'audit' })).toBe(7)
    // Bytes in are the batch bytes as appended, which is what the segments hold.
    expect(value('samsa_topic_bytes_in_total', { topic: 'orders' })).toBe(orders + orders1)
    expect(value('samsa_topic_bytes_in_total', { topic: 'audit' })).toBe(audit)
    expect(value('samsa_topic_bytes_out_total', { topic: 'orders' })).toBe(orders)
    // A topic seen by produce has all three series, starting at 0.
    expect(value('samsa_topic_bytes_out_total', { topic: 'audit' })).toBe(0)
  })

  it('counts requests and observes latency per API name', () => {
    expect(value('samsa_requests_total', { api: 'Produce' })).toBe(5)
    expect(value('samsa_requests_total', { api: 'Fetch' })).toBe(1)
    expect(types.get('samsa_request_duration_seconds')).toBe('histogram')
    expect(value('samsa_request_duration_seconds_count', { api: 'Produce' })).toBe(5)
    const inf = value('samsa_request_duration_seconds_bucket', { api: 'Produce', le: '+Inf' })
    expect(inf).toBe(5)
    expect(value('samsa_request_duration_seconds_sum', { api: 'Produce' })).toBeGreaterThan(0)
    const buckets = find('samsa_request_duration_seconds_bucket', { api: 'Fetch' })
    expect(buckets.length).toBeGreaterThan(10)
  })

  it('reports bytes sent by sendfile, copy and buffer, and connections', () => {
    const sendfile = value('samsa_bytes_sent_total', { method: 'sendfile' })
    const copy = value('samsa_bytes_sent_total', { method: 'copy' })
    const buffer = value('samsa_bytes_sent_total', { method: 'buffer' })
    // The fetched records left as file regions, by sendfile or (no usable fd) copied.
    expect(sendfile + copy).toBe(tb.broker.services.logs.get('orders', 0)!.sizeInBytes())
    expect(buffer).toBeGreaterThan(0)
    expect(value('samsa_connections_opened_total')).toBeGreaterThanOrEqual(1)
    expect(types.get('samsa_connections')).toBe('gauge')
    expect(value('samsa_connections')).toBeGreaterThanOrEqual(0)
  })

  it('reports incremental fetch sessions', () => {
    const sessions = tb.broker.services.fetchSessions
    expect(types.get('samsa_fetch_sessions')).toBe('gauge')
    expect(value('samsa_fetch_sessions')).toBe(sessions.size)
    expect(value('samsa_fetch_session_partitions')).toBe(sessions.totalPartitions)
    expect(value('samsa_fetch_session_evictions_total')).toBe(0)
  })

  it('reports partitions and per-partition log size and offsets', () => {
    expect(value('samsa_partitions')).toBe(tb.broker.services.logs.all().length)
    expect(value('samsa_partitions')).toBeGreaterThanOrEqual(3)
    expect(value('samsa_under_replicated_partitions')).toBe(0)
    expect(value('samsa_log_size_bytes', { topic: 'orders', partition: '1' })).toBe(
      tb.broker.services.logs.get('orders', 1)!.sizeInBytes(),
    )
    expect(value('samsa_log_end_offset', { topic: 'orders', partition: '0' })).toBe(30)
    expect(value('samsa_high_watermark', { topic: 'orders', partition: '1' })).toBe(5)
    expect(value('samsa_log_start_offset', { topic: 'audit', partition: '0' })).toBe(0)
  })

  it('has the consumer-group lag family and event-loop delay', () => {
    expect(types.get('samsa_consumer_group_lag')).toBe('gauge')
    const q = find('samsa_event_loop_delay_seconds').map((s) => s.labels.quantile)
    expect(q.sort()).toEqual(['0.5', '0.99', '1'])
    expect(types.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge')
    expect(types.get('process_cpu_seconds_total')).toBe('counter')
  })
})

describe('consumer-group lag', () => {
  it('is the high watermark minus the committed offset, per group and partition', async () => {
    const groups = tb.broker.services.groups
    expect(groups).toBeDefined()
    const commit = (partitionIndex: number, committedOffset: number) => ({
      partitionIndex,
      committedOffset,
      committedLeaderEpoch: -1,
      committedMetadata: null,
    })
    const result = await groups!.commitOffsets({
      groupId: 'billing',
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: 'orders', partitions: [commit(0, 12), commit(1, 5)] }],
    })
    expect(result[0]!.partitions.map((p) => p.errorCode)).toEqual([0, 0])
    const res = await fetch(`${tb.adminUrl}/metrics`)
    const scraped = parsePrometheus(await res.text()).samples.filter(
      (s) => s.name === 'samsa_consumer_group_lag' && s.labels.group === 'billing',
    )
    const lag = Object.fromEntries(
      scraped.map((s) => [`${s.labels.topic}-${s.labels.partition}`, s.value]),
    )
    expect(lag).toEqual({ 'orders-0': 18, 'orders-1': 0 })
  })
})
