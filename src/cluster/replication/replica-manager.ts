// Cluster mode's data plane (Kafka's ReplicaManager): follows ClusterControl's partition states
// and makes each local replica a leader (LeaderState: follower LEOs, HW, ISR) or a follower
// (fetched by the ReplicaFetcher of its leader, after truncation). Handlers reach it through
// BrokerServices.replication: produce and fetch checks, follower fetch bookkeeping, the acks=all
// wait.
import { KafkaError } from '../../protocol/errors.js'
import type { LogManager } from '../../log/log-manager.js'
import type { PartitionLog } from '../../log/partition-log.js'
import type { BrokerInfo, ClusterControl, PartitionState } from '../types.js'
import { LeaderState } from './leader-state.js'
import { ProducePurgatory } from './produce-purgatory.js'
import type { ProduceOutcome } from './produce-purgatory.js'
import { ReplicaFetcher } from './replica-fetcher.js'
import type { FetcherOptions } from './replica-fetcher.js'
import type { LogFn } from '../../log-fn.js'

export interface ReplicaManagerOptions {
  control: ClusterControl
  logs: Pick<LogManager, 'get' | 'create' | 'onAppend'>
  /** Woken when a leader's HW moves (consumers read below it): FetchPurgatory.notify fits. */
  notifyFetch?: (topic: string, partition: number) => void
  /** replica.lag.time.max.ms (default 30 s). */
  lagTimeMaxMs?: number
  /** How often the ISR shrink check runs (default lagTimeMaxMs / 2). */
  isrCheckIntervalMs?: number
  clock?: () => number
  fetcher?: Partial<Pick<FetcherOptions, 'maxWaitMs' | 'backoffMs' | 'partitionMaxBytes'>>
  log?: LogFn
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`
/** How often a DeleteRecords waiting for its followers looks at their reported log starts. */
const DELETE_RECORDS_POLL_MS = 20

/** KIP-320 fencing against the partition's leader epoch; -1 = not checked. */
export function checkEpoch(current: number, actual: number): void {
  if (current < 0 || current === actual) return
  if (current > actual) throw new KafkaError('UNKNOWN_LEADER_EPOCH', `epoch ${current} > ${actual}`)
  throw new KafkaError('FENCED_LEADER_EPOCH', `epoch ${current} < ${actual}`)
}

export class ReplicaManager {
  readonly producePurgatory = new ProducePurgatory()
  private readonly leaders = new Map<string, LeaderState>()
  /** leader node id -> its fetcher. */
  private readonly fetchers = new Map<number, ReplicaFetcher>()
  private readonly clock: () => number
  private readonly lagTimeMaxMs: number
  private timer: NodeJS.Timeout | null = null
  private retryTimer: NodeJS.Timeout | null = null
  /** Follower states whose leader's address was not known yet: retried every second. */
  private readonly unplaced = new Map<string, PartitionState>()
  private started = false
  private closed = false
  /** The etcd session is lost: our leaderships may already be someone else's (see suspend). */
  private suspended = false
  private readonly leadershipListeners: ((
    topic: string,
    partition: number,
    leading: boolean,
  ) => void)[] = []

  constructor(private readonly o: ReplicaManagerOptions) {
    this.clock = o.clock ?? Date.now
    this.lagTimeMaxMs = o.lagTimeMaxMs ?? 30_000
  }

  get nodeId(): number {
    return this.o.control.nodeId
  }

  start(): void {
    if (this.started) return
    this.started = true
    this.o.logs.onAppend((log) => this.leaders.get(key(log.topic, log.partition))?.onAppend())
    this.o.control.onPartitionState((state) => this.apply(state))
    for (const state of this.o.control.allPartitionStates()) this.apply(state)
    const every = this.o.isrCheckIntervalMs ?? Math.max(100, Math.floor(this.lagTimeMaxMs / 2))
    this.timer = setInterval(() => this.checkIsr(), every)
    this.timer.unref()
    this.retryTimer = setInterval(() => {
      for (const state of [...this.unplaced.values()]) this.apply(state)
    }, 1000)
    this.retryTimer.unref()
  }

  /** The ISR shrink check of every led partition (also driven by tests). */
  checkIsr(): void {
    for (const l of this.leaders.values()) l.checkIsrShrink()
  }

  leader(topic: string, partition: number): LeaderState | undefined {
    return this.leaders.get(key(topic, partition))
  }

  /** Fires after this broker starts or stops leading a partition (the group coordinator loads
   *  and unloads __consumer_offsets partitions on it). */
  onLeadershipChange(listener: (topic: string, partition: number, leading: boolean) => void): void {
    this.leadershipListeners.push(listener)
  }

  get isSuspended(): boolean {
    return this.suspended
  }

  /**
   * The broker's etcd session was lost: once its lease expires the controller moves our
   * leaderships elsewhere, so stop acting as leader now (produce, consumer fetch, acks=all all
   * answer NOT_LEADER_OR_FOLLOWER) rather than accept writes a new leader will never see.
   */
  suspend(): void {
    if (this.suspended || this.closed) return
    this.suspended = true
    for (const [k, l] of [...this.leaders]) this.stopLeading(k, l)
    this.o.log?.('warn', 'etcd session lost: stopped leading every partition')
  }

  /** A new session: take the roles the current partition states give us again. */
  resume(): void {
    if (!this.suspended || this.closed) return
    this.suspended = false
    this.o.log?.('info', 'etcd session started: resuming partition roles')
    for (const state of this.o.control.allPartitionStates()) this.apply(state)
  }

  fetcherFor(leaderId: number): ReplicaFetcher | undefined {
    return this.fetchers.get(leaderId)
  }

  /** Reacts to one partition state: lead, follow, or let go. */
  apply(state: PartitionState): void {
    if (this.closed) return
    const k = key(state.topic, state.partition)
    const me = this.o.control.nodeId
    this.unplaced.delete(k)
    if (!state.replicas.includes(me)) {
      this.removePartition(state.topic, state.partition)
      return
    }
    const current = this.leaders.get(k)
    if (state.leader === me && this.suspended) return
    if (state.leader === me) {
      if (current !== undefined && current.leaderEpoch === state.leaderEpoch) {
        current.update(state)
        return
      }
      if (current !== undefined && current.leaderEpoch > state.leaderEpoch) return
      this.becomeLeader(state)
      return
    }
    if (current !== undefined) {
      if (current.leaderEpoch > state.leaderEpoch) return
      this.stopLeading(k, current)
    }
    this.becomeFollower(state)
  }

  /** Stops replicating a partition (deleted or reassigned away). */
  removePartition(topic: string, partition: number): void {
    const k = key(topic, partition)
    const l = this.leaders.get(k)
    if (l !== undefined) this.stopLeading(k, l)
    for (const f of this.fetchers.values()) f.removePartition(topic, partition)
  }

  /** Produce: this broker must lead; acks=all needs min.insync.replicas in the ISR. */
  checkProduce(topic: string, partition: number, acks: number): LeaderState {
    const l = this.leaderOrThrow(topic, partition)
    if (acks === -1) {
      const min = l.log.config.minInsyncReplicas
      if (l.isr.length < min)
        throw new KafkaError(
          'NOT_ENOUGH_REPLICAS',
          `ISR ${l.isr.length} < min.insync.replicas ${min}`,
        )
    }
    return l
  }

  /** acks=all: resolves once HW >= requiredOffset, or with the error that ended the wait. */
  awaitReplication(
    topic: string,
    partition: number,
    requiredOffset: number,
    timeoutMs: number,
  ): Promise<ProduceOutcome> {
    const l = this.leaders.get(key(topic, partition))
    if (l === undefined) return Promise.resolve('NOT_LEADER_OR_FOLLOWER')
    const min = l.log.config.minInsyncReplicas
    if (l.highWatermark >= requiredOffset)
      return Promise.resolve(l.isr.length >= min ? 'NONE' : 'NOT_ENOUGH_REPLICAS_AFTER_APPEND')
    return this.producePurgatory.wait(topic, partition, requiredOffset, min, timeoutMs)
  }

  /**
   * A follower's fetch on the leader: checks, then its fetch offset becomes its LEO and the log
   * start offset it reports is noted (for DeleteRecords).
   */
  followerFetch(
    topic: string,
    partition: number,
    replicaId: number,
    fetchOffset: number,
    currentLeaderEpoch: number,
    logStartOffset = -1,
  ): PartitionLog {
    const l = this.leaderOrThrow(topic, partition, currentLeaderEpoch)
    if (!l.replicas.includes(replicaId))
      throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `broker ${replicaId} is not a replica`)
    l.recordFetch(replicaId, fetchOffset, logStartOffset)
    return l.log
  }

  /**
   * DeleteRecords on the leader (Kafka's DelayedDeleteRecords): the leader's log start moves at
   * once, followers move theirs when their next fetch response carries it; resolves with the
   * low watermark once every replica on a live broker reported a log start >= offset. Rejects
   * with REQUEST_TIMED_OUT after timeoutMs, NOT_LEADER_OR_FOLLOWER when the leadership ends.
   */
  async deleteRecords(
    topic: string,
    partition: number,
    offset: number,
    timeoutMs: number,
  ): Promise<number> {
    const l = this.leaderOrThrow(topic, partition)
    if (offset > l.log.logStartOffset) l.log.deleteRecordsBefore(offset)
    const live = (id: number): boolean => this.o.control.broker(id) !== undefined
    const deadline = Date.now() + Math.max(0, timeoutMs)
    for (;;) {
      if (l.isStopped || this.leaders.get(key(topic, partition)) !== l)
        throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `${topic}-${partition}`)
      const low = l.lowWatermark(live)
      if (low >= offset) return low
      if (Date.now() >= deadline)
        throw new KafkaError('REQUEST_TIMED_OUT', `low watermark ${low} < ${offset}`)
      // An admin request: polling the followers' reports beats another purgatory here.
      await new Promise((r) => setTimeout(r, DELETE_RECORDS_POLL_MS))
    }
  }

  /** Consumers (and OffsetForLeaderEpoch) talk to the leader only. */
  leaderOrThrow(topic: string, partition: number, currentLeaderEpoch = -1): LeaderState {
    const l = this.leaders.get(key(topic, partition))
    if (l === undefined) {
      const state = this.o.control.partitionState(topic, partition)
      if (state !== undefined) checkEpoch(currentLeaderEpoch, state.leaderEpoch)
      throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `${topic}-${partition}`)
    }
    checkEpoch(currentLeaderEpoch, l.leaderEpoch)
    return l
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer !== null) clearInterval(this.timer)
    if (this.retryTimer !== null) clearInterval(this.retryTimer)
    for (const l of this.leaders.values()) l.stop()
    this.leaders.clear()
    this.producePurgatory.close()
    await Promise.all([...this.fetchers.values()].map((f) => f.stop()))
    this.fetchers.clear()
  }

  private localLog(topic: string, partition: number): PartitionLog {
    const log = this.o.logs.get(topic, partition) ?? this.o.logs.create(topic, partition)
    log.highWatermarkFollowsLogEnd = false
    log.leaderEpochCache.setPersistent(true)
    return log
  }

  private becomeLeader(state: PartitionState): void {
    const k = key(state.topic, state.partition)
    for (const f of this.fetchers.values()) f.removePartition(state.topic, state.partition)
    const log = this.localLog(state.topic, state.partition)
    // The new epoch starts at our log end: followers asking about older epochs learn where they
    // ended here (KIP-101), even before this leader appends anything.
    log.leaderEpochCache.assign(state.leaderEpoch, log.logEndOffset)
    const leader = new LeaderState(
      {
        control: this.o.control,
        nodeId: this.o.control.nodeId,
        log,
        clock: this.clock,
        lagTimeMaxMs: this.lagTimeMaxMs,
        logFn: this.o.log,
        onChange: (l, hwMoved) => {
          if (this.leaders.get(k) !== l) return
          this.producePurgatory.update(l.topic, l.partition, l.highWatermark, l.isr.length)
          if (hwMoved) this.o.notifyFetch?.(l.topic, l.partition)
        },
      },
      state,
    )
    this.leaders.set(k, leader)
    this.notifyLeadership(state.topic, state.partition, true)
    this.o.log?.('info', 'became leader', {
      topic: state.topic,
      partition: state.partition,
      leaderEpoch: state.leaderEpoch,
      isr: state.isr,
      highWatermark: log.highWatermark,
      logEndOffset: log.logEndOffset,
    })
    leader.onAppend()
    // Parked follower and consumer fetches re-check leadership.
    this.o.notifyFetch?.(state.topic, state.partition)
  }

  private newFetcher(info: BrokerInfo): ReplicaFetcher {
    const fetcher = new ReplicaFetcher({
      nodeId: this.o.control.nodeId,
      leader: info,
      logFn: this.o.log,
      ...this.o.fetcher,
    })
    this.fetchers.set(info.nodeId, fetcher)
    fetcher.start()
    return fetcher
  }

  private stopLeading(k: string, l: LeaderState): void {
    l.stop()
    this.leaders.delete(k)
    this.producePurgatory.fail(l.topic, l.partition, 'NOT_LEADER_OR_FOLLOWER')
    this.o.notifyFetch?.(l.topic, l.partition)
    this.notifyLeadership(l.topic, l.partition, false)
  }

  private notifyLeadership(topic: string, partition: number, leading: boolean): void {
    for (const fn of this.leadershipListeners) {
      try {
        fn(topic, partition, leading)
      } catch (err) {
        this.o.log?.('error', 'leadership listener failed', { topic, partition, error: err })
      }
    }
  }

  private becomeFollower(state: PartitionState): void {
    const leaderId = state.leader
    for (const [id, f] of this.fetchers)
      if (id !== leaderId) f.removePartition(state.topic, state.partition)
    if (leaderId < 0) return
    const info = this.o.control.broker(leaderId)
    if (info === undefined) {
      this.o.log?.('warn', 'leader broker unknown; not fetching yet', {
        topic: state.topic,
        partition: state.partition,
        leader: leaderId,
      })
      this.unplaced.set(key(state.topic, state.partition), state)
      return
    }
    const log = this.localLog(state.topic, state.partition)
    let fetcher = this.fetchers.get(leaderId)
    if (
      fetcher !== undefined &&
      (fetcher.leader.host !== info.host || fetcher.leader.port !== info.port)
    ) {
      // The leader came back on another address: a new fetcher, the old one winds down.
      const old = fetcher
      this.fetchers.delete(leaderId)
      void old.stop()
      fetcher = this.newFetcher(info)
      for (const st of old.states()) fetcher.addPartition(st.log, st.leaderEpoch)
    }
    fetcher ??= this.newFetcher(info)
    const had = fetcher.has(state.topic, state.partition)
    fetcher.addPartition(log, state.leaderEpoch)
    if (had?.leaderEpoch !== state.leaderEpoch) {
      this.o.log?.('info', 'became follower', {
        topic: state.topic,
        partition: state.partition,
        leader: leaderId,
        leaderEpoch: state.leaderEpoch,
        logEndOffset: log.logEndOffset,
      })
    }
  }
}
