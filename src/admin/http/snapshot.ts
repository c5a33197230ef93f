// The dashboard's data: a throughput history sampled once a second from the traffic totals, and
// the JSON snapshot pushed to every open dashboard (broker, throughput, topics, groups).

import type { BrokerServices } from '../../broker-services.js'
import type { EventLoopMonitor } from '../metrics/event-loop.js'
import { groupLags } from '../metrics/group-lag.js'
import type { GroupLag } from '../metrics/group-lag.js'
import type { TopicTraffic } from '../metrics/traffic.js'

export interface ThroughputPoint {
  /** Epoch ms at the end of the interval. */
  t: number
  bytesInPerSec: number
  bytesOutPerSec: number
  messagesInPerSec: number
}

export interface PartitionView {
  partition: number
  leader: number
  isr: number[]
  sizeBytes: number
  logStartOffset: number
  logEndOffset: number
  highWatermark: number
  offline: boolean
}

export interface TopicView {
  name: string
  sizeBytes: number
  bytesIn: number
  bytesOut: number
  messagesIn: number
  partitions: PartitionView[]
}

export interface DashboardSnapshot {
  time: number
  broker: {
    nodeId: number
    clusterId: string
    advertised: string
    uptimeSeconds: number
    connections: number
    eventLoopDelayP99Ms: number
  }
  throughput: ThroughputPoint[]
  topics: TopicView[]
  /** null when the broker has no group coordinator to ask for committed offsets. */
  groups: GroupLag[] | null
}

/** A ring of per-second rates derived from monotonically growing totals. */
export class ThroughputHistory {
  private readonly points: ThroughputPoint[] = []
  private last: { t: number; bytesIn: number; bytesOut: number; messagesIn: number } | null = null

  constructor(private readonly capacity = 120) {}

  sample(totals: TopicTraffic, now: number): void {
    const prev = this.last
    this.last = { t: now, ...totals }
    if (prev === null || now <= prev.t) return
    const secs = (now - prev.t) / 1000
    this.points.push({
      t: now,
      bytesInPerSec: Math.max(0, totals.bytesIn - prev.bytesIn) / secs,
      bytesOutPerSec: Math.max(0, totals.bytesOut - prev.bytesOut) / secs,
      messagesInPerSec: Math.max(0, totals.messagesIn - prev.messagesIn) / secs,
    })
    if (this.points.length > this.capacity) this.points.shift()
  }

  list(): ThroughputPoint[] {
    return this.points.slice()
  }
}

export interface SnapshotSources {
  services: BrokerServices
  history: ThroughputHistory
  traffic: ReadonlyMap<string, TopicTraffic>
  eventLoop: EventLoopMonitor
  startedAt: number
}

export function buildSnapshot(src: SnapshotSources, now: number): DashboardSnapshot {
  const { services } = src
  const byTopic = new Map<string, TopicView>()
  const topicView = (name: string): TopicView => {
    let v = byTopic.get(name)
    if (v === undefined) {
      const t = src.traffic.get(name)
      v = {
        name,
        sizeBytes: 0,
        bytesIn: t?.bytesIn ?? 0,
        bytesOut: t?.bytesOut ?? 0,
        messagesIn: t?.messagesIn ?? 0,
        partitions: [],
      }
      byTopic.set(name, v)
    }
    return v
  }
  for (const info of services.topics.list()) topicView(info.name)
  for (const l of services.logs.all()) {
    const v = topicView(l.topic)
    const size = l.offline ? 0 : l.sizeInBytes()
    v.sizeBytes += size
    v.partitions.push({
      partition: l.partition,
      leader: services.nodeId,
      // A single node is the only replica; an offline log is out of the ISR.
      isr: l.offline ? [] : [services.nodeId],
      sizeBytes: size,
      logStartOffset: l.offline ? -1 : l.logStartOffset,
      logEndOffset: l.offline ? -1 : l.logEndOffset,
      highWatermark: l.offline ? -1 : l.highWatermark,
      offline: l.offline,
    })
  }
  const topics = [...byTopic.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
  for (const t of topics) t.partitions.sort((a, b) => a.partition - b.partition)
  const stats = services.stats
  return {
    time: now,
    broker: {
      nodeId: services.nodeId,
      clusterId: services.clusterId,
      advertised: `${services.advertised.host}:${services.advertised.port}`,
      uptimeSeconds: Math.round((now - src.startedAt) / 1000),
      connections: stats.connectionsOpened - stats.connectionsClosed,
      eventLoopDelayP99Ms: src.eventLoop.read().p99 * 1000,
    },
    throughput: src.history.list(),
    topics,
    groups: groupLags(services),
  }
}
