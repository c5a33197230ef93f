// Consumer-group lag = high watermark - committed offset, per group/topic/partition, computed on
// demand (scrape, dashboard tick) from the group coordinator's committed offsets.

import type { BrokerServices } from '../../broker-services.js'

/** The part of the group coordinator (services.groups) the lag computation reads. */
export interface GroupOffsetsReader {
  listGroups(): readonly { groupId: string }[]
  fetchOffsets(
    groupId: string,
    topics: null,
  ): {
    errorCode: number
    topics: readonly {
      name: string
      partitions: readonly { partitionIndex: number; committedOffset: number }[]
    }[]
  }
}

export interface GroupLag {
  group: string
  topic: string
  partition: number
  /** The committed offset. */
  offset: number
  highWatermark: number
  /** 0 when the committed offset is at or past the high watermark. */
  lag: number
}

/**
 * null = the broker runs without a group coordinator; otherwise one entry per committed offset
 * of a partition this broker hosts.
 */
export function groupLags(services: BrokerServices): GroupLag[] | null {
  const groups: GroupOffsetsReader | undefined = services.groups
  if (groups === undefined) return null
  const out: GroupLag[] = []
  for (const { groupId } of groups.listGroups()) {
    const fetched = groups.fetchOffsets(groupId, null)
    if (fetched.errorCode !== 0) continue
    for (const t of fetched.topics) {
      for (const p of t.partitions) {
        const log = services.logs.get(t.name, p.partitionIndex)
        if (log === undefined || log.offline || p.committedOffset < 0) continue
        const hw = log.highWatermark
        out.push({
          group: groupId,
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          highWatermark: hw,
          lag: Math.max(0, hw - p.committedOffset),
        })
      }
    }
  }
  return out
}
