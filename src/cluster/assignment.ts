// Replica placement for new partitions, after Kafka's AdminUtils: partition p's replicas start at
// broker (start + p) and continue with an offset that shifts every full round, so leaders
// (replicas[0]) spread evenly and followers do not always pair the same brokers. With racks set
// on every broker, the broker list is interleaved by rack first and followers skip racks that the
// partition already uses while another rack is still free.

import { KafkaError } from '../protocol/errors.js'
import type { BrokerInfo } from './types.js'

/** Orders brokers so consecutive entries alternate racks: r1b1, r2b1, r3b1, r1b2, ... */
function rackAlternated(brokers: readonly BrokerInfo[]): BrokerInfo[] {
  const byRack = new Map<string, BrokerInfo[]>()
  for (const b of [...brokers].sort((x, y) => x.nodeId - y.nodeId)) {
    const list = byRack.get(b.rack ?? '') ?? []
    list.push(b)
    byRack.set(b.rack ?? '', list)
  }
  const racks = [...byRack.keys()].sort()
  const out: BrokerInfo[] = []
  for (let i = 0; out.length < brokers.length; i++) {
    for (const r of racks) {
      const b = byRack.get(r)?.[i]
      if (b !== undefined) out.push(b)
    }
  }
  return out
}

/**
 * Replica lists for partitions [firstPartition, firstPartition + count). `start` rotates the
 * first leader (pass a random or hashed value so topics do not all start on the same broker).
 */
export function assignReplicas(
  brokers: readonly BrokerInfo[],
  count: number,
  replicationFactor: number,
  start = 0,
  firstPartition = 0,
): number[][] {
  if (replicationFactor < 1)
    throw new KafkaError('INVALID_REPLICATION_FACTOR', 'replication factor must be at least 1')
  if (replicationFactor > brokers.length)
    throw new KafkaError(
      'INVALID_REPLICATION_FACTOR',
      `replication factor ${replicationFactor} is larger than the ${brokers.length} live brokers`,
    )
  const rackAware = brokers.length > 0 && brokers.every((b) => b.rack !== null)
  const list = rackAware
    ? rackAlternated(brokers)
    : [...brokers].sort((x, y) => x.nodeId - y.nodeId)
  const n = list.length
  const racks = new Set(list.map((b) => b.rack))
  const out: number[][] = []
  for (let i = 0; i < count; i++) {
    const p = firstPartition + i
    const first = (start + p) % n
    // Shift grows by one after every full round of leaders, so follower pairs vary.
    const shift = n > 1 ? (Math.floor((start + p) / n) % (n - 1)) + 1 : 0
    const replicas = [list[first] as BrokerInfo]
    const usedRacks = new Set([replicas[0]?.rack])
    for (let j = 0; replicas.length < replicationFactor && j < n * 2; j++) {
      const b = list[(first + shift + j) % n] as BrokerInfo
      if (replicas.includes(b)) continue
      if (rackAware && usedRacks.has(b.rack) && usedRacks.size < racks.size) continue
      replicas.push(b)
      usedRacks.add(b.rack)
    }
    // A rack-aware pass may leave gaps when racks run out; fill with any unused broker.
    for (const b of list) {
      if (replicas.length >= replicationFactor) break
      if (!replicas.includes(b)) replicas.push(b)
    }
    out.push(replicas.map((b) => b.nodeId))
  }
  return out
}
