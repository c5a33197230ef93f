// The broker's traffic hooks (TrafficObserver): per-topic byte and message totals kept as plain
// numbers (the dashboard derives its rates from them) and per-API request counts and latency
// histograms. A call costs one Map lookup; prom-client label hashing happens once per API name,
// and the per-topic counters are filled from the totals only when Prometheus scrapes.

import { Counter, Histogram } from 'prom-client'
import type { Registry } from 'prom-client'
import type { TrafficObserver } from '../../server/stats.js'

export interface TopicTraffic {
  bytesIn: number
  bytesOut: number
  messagesIn: number
}

interface ApiChildren {
  count: Counter.Internal
  latency: Histogram.Internal<'api'>
}

/** Seconds; from sub-millisecond metadata answers up to long-polled fetches. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]

export class TrafficRecorder implements TrafficObserver {
  readonly topics = new Map<string, TopicTraffic>()
  /** Sums over all topics. */
  readonly totals: TopicTraffic = { bytesIn: 0, bytesOut: 0, messagesIn: 0 }
  private readonly apis = new Map<string, ApiChildren>()
  private readonly requests: Counter<'api'>
  private readonly latency: Histogram<'api'>

  constructor(registry: Registry) {
    const topics = this.topics
    const perTopic = (name: string, help: string, pick: (t: TopicTraffic) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['topic'],
        registers: [registry],
        collect() {
          this.reset()
          for (const [topic, t] of topics) this.inc({ topic }, pick(t))
        },
      })
    }
    perTopic(
      'samsa_topic_bytes_in_total',
      'Record batch bytes appended by Produce',
      (t) => t.bytesIn,
    )
    perTopic(
      'samsa_topic_bytes_out_total',
      'Record batch bytes returned by Fetch',
      (t) => t.bytesOut,
    )
    perTopic('samsa_topic_messages_in_total', 'Records appended by Produce', (t) => t.messagesIn)
    this.requests = new Counter({
      name: 'samsa_requests_total',
      help: 'Requests handled, by API',
      labelNames: ['api'],
      registers: [registry],
    })
    this.latency = new Histogram({
      name: 'samsa_request_duration_seconds',
      help: 'Time from a decoded request to its encoded response (long polls included), by API',
      labelNames: ['api'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    })
  }

  request(apiName: string, seconds: number): void {
    let c = this.apis.get(apiName)
    if (c === undefined) {
      c = { count: this.requests.labels(apiName), latency: this.latency.labels(apiName) }
      this.apis.set(apiName, c)
    }
    c.count.inc()
    c.latency.observe(seconds)
  }

  produced(topic: string, bytes: number, messages: number): void {
    const t = this.topic(topic)
    t.bytesIn += bytes
    t.messagesIn += messages
    this.totals.bytesIn += bytes
    this.totals.messagesIn += messages
  }

  fetched(topic: string, bytes: number): void {
    this.topic(topic).bytesOut += bytes
    this.totals.bytesOut += bytes
  }

  private topic(name: string): TopicTraffic {
    let t = this.topics.get(name)
    if (t === undefined) {
      t = { bytesIn: 0, bytesOut: 0, messagesIn: 0 }
      this.topics.set(name, t)
    }
    return t
  }
}
