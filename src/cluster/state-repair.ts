// The controller's repair of topics whose record counts partitions that have no state. A create
// or growth of more than 100 partitions writes the states in several etcd transactions (etcd
// takes 128 operations per transaction by default); a broker that dies between them leaves the
// rest without a state, and nobody would ever lead them. A partition seen without a state for
// longer than the grace period (the writer's remaining transactions take milliseconds) is placed
// as a create would place it, with the replication factor of the topic's partition 0. Each state
// is created only if still absent, so a late writer and the repair cannot both win.

import { randomInt } from 'node:crypto'
import { assignReplicas } from './assignment.js'
import { encodeState, partitionKey } from './cluster-view.js'
import type { ClusterView } from './cluster-view.js'
import type { EtcdStore } from './etcd-store.js'
import type { PartitionState } from './types.js'
import type { LogFn } from '../log-fn.js'

export const MISSING_STATE_GRACE_MS = 30_000

export class MissingStateRepair {
  /** `topic/partition` -> when it was first seen without a state. */
  private readonly since = new Map<string, number>()

  constructor(
    private readonly store: Pick<EtcdStore, 'createIfAbsent'>,
    private readonly view: ClusterView,
    private readonly graceMs: number,
    private readonly log: LogFn,
  ) {}

  /** One scan; places what has been missing for longer than the grace period. */
  async check(now = Date.now()): Promise<number> {
    const seen = new Set<string>()
    let placed = 0
    for (const t of this.view.topics()) {
      const due: number[] = []
      for (let p = 0; p < t.partitions; p++) {
        if (this.view.partitionState(t.name, p) !== undefined) continue
        const k = `${t.name}/${p}`
        seen.add(k)
        const first = this.since.get(k)
        if (first === undefined) this.since.set(k, now)
        else if (now - first >= this.graceMs) due.push(p)
      }
      if (due.length > 0) placed += await this.place(t.name, due)
    }
    for (const k of this.since.keys()) if (!seen.has(k)) this.since.delete(k)
    return placed
  }

  private async place(topic: string, partitions: number[]): Promise<number> {
    const brokers = this.view.brokers()
    if (brokers.length === 0) return 0
    const rf = Math.min(this.view.partitionState(topic, 0)?.replicas.length ?? 1, brokers.length)
    const replicas = assignReplicas(brokers, partitions.length, rf, randomInt(1_000_000))
    let placed = 0
    for (const [i, partition] of partitions.entries()) {
      const r = replicas[i] ?? []
      const state: Omit<PartitionState, 'version'> = {
        topic,
        partition,
        replicas: r,
        leader: r[0] ?? -1,
        leaderEpoch: 0,
        isr: [...r],
      }
      const version = await this.store.createIfAbsent(
        partitionKey(topic, partition),
        encodeState(state),
      )
      this.since.delete(`${topic}/${partition}`)
      if (version === null) continue
      this.view.applyState({ ...state, version })
      placed++
    }
    if (placed > 0)
      this.log('warn', 'placed partitions a topic write left without state', {
        topic,
        partitions,
      })
    return placed
  }
}
