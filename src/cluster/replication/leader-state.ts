// One partition led by this broker (Kafka's Partition on the leader): each follower's log end
// offset (learnt from its fetch offsets) and last caught-up time, the high watermark (min LEO
// over the ISR, never moving back), ISR shrink after replica.lag.time.max.ms and expansion once
// a follower reaches the high watermark. ISR changes go through ClusterControl.alterIsr (CAS on
// the state's version), one at a time; until one is committed the HW is computed over the union
// of the committed and the proposed ISR (KIP-497's maximal ISR), so it never runs ahead.
import type { PartitionLog } from '../../log/partition-log.js'
import type { ClusterControl, PartitionState } from '../types.js'
import type { LogFn } from '../../log-fn.js'

interface Follower {
  /** -1 = unknown until its first fetch under this leadership. */
  leo: number
  lastCaughtUpTime: number
  lastFetchTime: number
  lastFetchLeaderLeo: number
  /** Its log start offset as its fetches report it; -1 = unknown (DeleteRecords' low watermark). */
  logStartOffset: number
}

function newFollower(lastCaughtUpTime: number): Follower {
  return { leo: -1, lastCaughtUpTime, lastFetchTime: 0, lastFetchLeaderLeo: -1, logStartOffset: -1 }
}

export interface LeaderStateOptions {
  control: Pick<ClusterControl, 'alterIsr' | 'partitionState'>
  nodeId: number
  log: PartitionLog
  clock: () => number
  lagTimeMaxMs: number
  /** HW moved or the ISR changed: wake the purgatories. */
  onChange: (leader: LeaderState, hwMoved: boolean) => void
  logFn?: LogFn
}

export class LeaderState {
  readonly topic: string
  readonly partition: number
  readonly leaderEpoch: number
  /** Offset where this leader's epoch starts; a follower below it is not in sync yet. */
  readonly epochStartOffset: number
  isr: number[]
  replicas: number[]
  version: number
  private readonly followers = new Map<number, Follower>()
  private pendingIsr: number[] | null = null
  private stopped = false

  constructor(
    private readonly o: LeaderStateOptions,
    state: PartitionState,
  ) {
    this.topic = state.topic
    this.partition = state.partition
    this.leaderEpoch = state.leaderEpoch
    this.isr = [...state.isr]
    this.replicas = [...state.replicas]
    this.version = state.version
    this.epochStartOffset = o.log.logEndOffset
    const now = o.clock()
    for (const id of state.replicas) {
      if (id !== o.nodeId) this.followers.set(id, newFollower(state.isr.includes(id) ? now : 0))
    }
  }

  get log(): PartitionLog {
    return this.o.log
  }

  get highWatermark(): number {
    return this.o.log.highWatermark
  }

  followerLeo(id: number): number {
    return this.followers.get(id)?.leo ?? -1
  }

  /** A newer state of the same leadership (ISR or replicas changed, e.g. our own alterIsr). */
  update(state: PartitionState): void {
    if (this.stopped || state.leaderEpoch !== this.leaderEpoch || state.version < this.version)
      return
    this.version = state.version
    this.isr = [...state.isr]
    this.replicas = [...state.replicas]
    const now = this.o.clock()
    for (const id of state.replicas) {
      if (id !== this.o.nodeId && !this.followers.has(id)) this.followers.set(id, newFollower(now))
    }
    for (const id of [...this.followers.keys()])
      if (!state.replicas.includes(id)) this.followers.delete(id)
    const moved = this.maybeAdvanceHighWatermark()
    this.o.onChange(this, moved)
  }

  /**
   * The lowest log start offset of this leader and the followers whose fetches reported one,
   * counting only followers `counts` accepts (Kafka: those on live brokers). DeleteRecords is
   * complete once this reaches its offset.
   */
  lowWatermark(counts: (replicaId: number) => boolean): number {
    let low = this.o.log.logStartOffset
    for (const [id, f] of this.followers)
      if (f.logStartOffset >= 0 && counts(id)) low = Math.min(low, f.logStartOffset)
    return low
  }

  /**
   * A follower fetched from fetchOffset: that is its log end offset (Kafka's updateFetchState);
   * `logStartOffset` is the one its request reported (-1: none).
   */
  recordFetch(replicaId: number, fetchOffset: number, logStartOffset = -1): void {
    const f = this.followers.get(replicaId)
    if (f === undefined || this.stopped) return
    if (logStartOffset >= 0) f.logStartOffset = logStartOffset
    const now = this.o.clock()
    const leaderLeo = this.o.log.logEndOffset
    if (fetchOffset >= leaderLeo) f.lastCaughtUpTime = Math.max(f.lastCaughtUpTime, now)
    else if (fetchOffset >= f.lastFetchLeaderLeo)
      f.lastCaughtUpTime = Math.max(f.lastCaughtUpTime, f.lastFetchTime)
    f.leo = fetchOffset
    f.lastFetchLeaderLeo = leaderLeo
    f.lastFetchTime = now
    this.maybeExpandIsr(replicaId, f)
    if (this.maybeAdvanceHighWatermark()) this.o.onChange(this, true)
  }

  /** The leader appended: with an ISR of one the HW follows at once. */
  onAppend(): void {
    if (this.maybeAdvanceHighWatermark()) this.o.onChange(this, true)
  }

  /** Periodic: drops followers that have not caught up within replica.lag.time.max.ms. */
  checkIsrShrink(): void {
    if (this.stopped || this.pendingIsr !== null) return
    const now = this.o.clock()
    const leaderLeo = this.o.log.logEndOffset
    const out = this.isr.filter((id) => {
      if (id === this.o.nodeId) return false
      const f = this.followers.get(id)
      if (f === undefined) return true
      return f.leo !== leaderLeo && now - f.lastCaughtUpTime > this.o.lagTimeMaxMs
    })
    if (out.length === 0) return
    this.o.logFn?.('info', 'shrinking ISR', {
      topic: this.topic,
      partition: this.partition,
      isr: this.isr,
      outOfSync: out,
    })
    this.proposeIsr(this.isr.filter((id) => !out.includes(id)))
  }

  stop(): void {
    this.stopped = true
  }

  get isStopped(): boolean {
    return this.stopped
  }

  /** Min LEO over the maximal ISR; the HW only moves forward. */
  private maybeAdvanceHighWatermark(): boolean {
    if (this.stopped) return false
    const log = this.o.log
    // Runs on every append and follower fetch: no per-call arrays. Duplicates in
    // isr + pendingIsr do not change the minimum.
    let hw = this.minLeo(this.isr, log.logEndOffset)
    if (this.pendingIsr !== null) hw = this.minLeo(this.pendingIsr, hw)
    if (hw < 0 || hw <= log.highWatermark) return false
    log.highWatermark = hw
    return true
  }

  /** min(upTo, LEO of every follower in ids); -1 when one has not fetched yet. */
  private minLeo(ids: readonly number[], upTo: number): number {
    let hw = upTo
    for (const id of ids) {
      if (id === this.o.nodeId) continue
      const leo = this.followers.get(id)?.leo ?? -1
      if (leo < 0) return -1
      if (leo < hw) hw = leo
    }
    return hw
  }

  private maybeExpandIsr(id: number, f: Follower): void {
    if (this.pendingIsr !== null || this.isr.includes(id)) return
    const hw = this.o.log.highWatermark
    if (f.leo < hw || f.leo < this.epochStartOffset) return
    this.o.logFn?.('info', 'expanding ISR', {
      topic: this.topic,
      partition: this.partition,
      isr: this.isr,
      joining: id,
    })
    this.proposeIsr([...this.isr, id])
  }

  private proposeIsr(isr: number[]): void {
    this.pendingIsr = isr
    this.o.control.alterIsr(this.topic, this.partition, this.leaderEpoch, isr, this.version).then(
      (state) => {
        this.pendingIsr = null
        this.update(state)
      },
      (err: unknown) => {
        this.pendingIsr = null
        this.o.logFn?.('warn', 'ISR change refused', {
          topic: this.topic,
          partition: this.partition,
          proposed: isr,
          error: String(err),
        })
        const current = this.o.control.partitionState(this.topic, this.partition)
        if (current !== undefined) this.update(current)
      },
    )
  }
}
