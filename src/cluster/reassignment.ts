// Partition reassignment (Kafka's KIP-455 model). Any broker starts, changes or cancels one with
// a CAS on the partition state: replicas become target ++ (original - target), the new ones are
// listed in addingReplicas (their brokers create the log and start fetching, the leader adds them
// to the ISR once caught up) and the dropped ones in removingReplicas. The controller finishes it
// (completion below) once every target replica is in the ISR: replicas = target, ISR ∩ target,
// a new leader (and epoch) if the leader was dropped; the dropped brokers then delete their logs.

import { KafkaError } from '../protocol/errors.js'
import { decodeState, encodeState, partitionKey } from './cluster-view.js'
import type { ClusterView } from './cluster-view.js'
import type { EtcdStore } from './etcd-store.js'
import type { PartitionState } from './types.js'
import type { LogFn } from '../log-fn.js'

type StateFields = Omit<PartitionState, 'version'>

const ATTEMPTS = 10

export function reassigning(s: PartitionState): boolean {
  return (s.addingReplicas?.length ?? 0) > 0 || (s.removingReplicas?.length ?? 0) > 0
}

/** The replicas before the running reassignment (or the current ones when none runs). */
export function originalReplicas(s: PartitionState): number[] {
  const adding = s.addingReplicas ?? []
  return s.replicas.filter((r) => !adding.includes(r))
}

/** The replicas the running reassignment ends with. */
export function targetReplicas(s: PartitionState): number[] {
  const removing = s.removingReplicas ?? []
  return s.replicas.filter((r) => !removing.includes(r))
}

function without(s: StateFields): StateFields {
  const { addingReplicas: _a, removingReplicas: _r, ...rest } = s
  return rest
}

/** The state that starts (or replaces) a reassignment to `target`. */
export function startReassignment(s: PartitionState, target: number[]): StateFields {
  const original = originalReplicas(s)
  const adding = target.filter((r) => !original.includes(r))
  const removing = original.filter((r) => !target.includes(r))
  if (adding.length === 0 && removing.length === 0) {
    // Same set (perhaps reordered): nothing to copy; a running one is thereby cancelled.
    if (!reassigning(s)) return { ...without(s), replicas: [...target] }
    const back = cancelled(s)
    if (back === null) throw notCancellable(s)
    return { ...back, replicas: [...target] }
  }
  const replicas = [...target, ...removing]
  if (s.leader !== -1 && !replicas.includes(s.leader))
    // A replica added by the reassignment being replaced leads already.
    throw new KafkaError(
      'INVALID_REPLICA_ASSIGNMENT',
      `${s.topic}-${s.partition}: leader ${s.leader} would leave; cancel the running reassignment first`,
    )
  return {
    ...without(s),
    replicas,
    isr: s.isr.filter((r) => replicas.includes(r)),
    addingReplicas: adding,
    removingReplicas: removing,
  }
}

function notCancellable(s: PartitionState): KafkaError {
  return new KafkaError(
    'INVALID_REPLICA_ASSIGNMENT',
    `${s.topic}-${s.partition}: no original replica is in sync to lead again; cannot cancel`,
  )
}

/** Back to the original replicas; null when no original replica is in sync to lead. */
function cancelled(s: PartitionState): StateFields | null {
  const original = originalReplicas(s)
  const isr = s.isr.filter((r) => original.includes(r))
  if (isr.length === 0) return null
  const base = { ...without(s), replicas: original, isr }
  if (s.leader === -1 || original.includes(s.leader)) return base
  const leader = original.find((r) => isr.includes(r)) ?? -1
  return { ...base, leader, leaderEpoch: s.leaderEpoch + 1 }
}

/** Controller: the finished state once every target replica is in the ISR, else null. */
export function completeReassignment(
  s: PartitionState,
  live: ReadonlySet<number>,
): StateFields | null {
  if (!reassigning(s) || s.leader === -1) return null
  const target = targetReplicas(s)
  if (!target.every((r) => s.isr.includes(r))) return null
  const isr = s.isr.filter((r) => target.includes(r))
  const base = { ...without(s), replicas: target, isr }
  if (target.includes(s.leader)) return base
  const leader = target.find((r) => live.has(r))
  if (leader === undefined) return null
  return { ...base, leader, leaderEpoch: s.leaderEpoch + 1 }
}

export interface OngoingReassignment {
  topic: string
  partition: number
  replicas: number[]
  addingReplicas: number[]
  removingReplicas: number[]
}

export class Reassignments {
  constructor(
    private readonly store: EtcdStore,
    private readonly view: ClusterView,
    private readonly log: LogFn = () => undefined,
  ) {}

  /** Starts, changes (target) or cancels (null) the reassignment of one partition. */
  async alter(topic: string, partition: number, target: number[] | null): Promise<void> {
    const where = `${topic}-${partition}`
    if (target !== null) this.validate(where, target)
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const s = await this.fresh(topic, partition)
      let next: StateFields
      if (target === null) {
        if (!reassigning(s))
          throw new KafkaError('NO_REASSIGNMENT_IN_PROGRESS', `${where}: no reassignment to cancel`)
        const back = cancelled(s)
        if (back === null) throw notCancellable(s)
        next = back
      } else {
        next = startReassignment(s, target)
      }
      const version = await this.store.cas(
        partitionKey(topic, partition),
        encodeState(next),
        s.version,
      )
      if (version === null) continue
      this.view.applyState({ ...next, version })
      this.log('info', target === null ? 'reassignment cancelled' : 'reassignment started', {
        topic,
        partition,
        replicas: next.replicas,
        adding: next.addingReplicas ?? [],
        removing: next.removingReplicas ?? [],
      })
      return
    }
    throw new KafkaError('CONCURRENT_TRANSACTIONS', `${where} changed concurrently; retry`)
  }

  /** Ongoing reassignments, of the given partitions or (null) of all. */
  list(filter: { topic: string; partitions: number[] }[] | null): OngoingReassignment[] {
    const wanted =
      filter === null
        ? null
        : new Set(filter.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p}`)))
    return this.view
      .allPartitionStates()
      .filter((s) => reassigning(s) && (wanted === null || wanted.has(`${s.topic}/${s.partition}`)))
      .sort((a, b) =>
        a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
      )
      .map((s) => ({
        topic: s.topic,
        partition: s.partition,
        replicas: [...s.replicas],
        addingReplicas: [...(s.addingReplicas ?? [])],
        removingReplicas: [...(s.removingReplicas ?? [])],
      }))
  }

  private validate(where: string, target: number[]): void {
    if (target.length === 0 || new Set(target).size !== target.length)
      throw new KafkaError(
        'INVALID_REPLICA_ASSIGNMENT',
        `${where}: replicas [${target.join(', ')}] must be distinct and not empty`,
      )
    const unknown = target.filter((b) => this.view.broker(b) === undefined)
    if (unknown.length > 0)
      throw new KafkaError(
        'INVALID_REPLICA_ASSIGNMENT',
        `${where}: brokers [${unknown.join(', ')}] are not registered`,
      )
  }

  private async fresh(topic: string, partition: number): Promise<PartitionState> {
    const kv = await this.store.get(partitionKey(topic, partition))
    const s = kv === undefined ? null : decodeState(kv)
    if (s === null)
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}-${partition} does not exist`)
    return s
  }
}
