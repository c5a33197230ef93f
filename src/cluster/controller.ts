// Controller election and the controller's job. Every broker campaigns: the `controller` key is
// created only if absent, under the campaigner's session lease, so exactly one broker holds it
// until its lease ends; the others watch the key and campaign again when it is deleted.
//
// The active controller keeps every partition's leader and ISR consistent with the set of live
// brokers (src/cluster/leader-election.ts): on a broker's disappearance or return, on becoming
// controller, and periodically for preferred-leader election. A replica its broker reported
// offline (a failed log, offline-replicas.ts) counts as a dead broker for its partition only.
// Writes CAS on the state's mod revision; a conflict (the leader changed the ISR meanwhile)
// re-runs the pass shortly after.
// It also places partitions that a broker dying mid-write left without a state (state-repair.ts).

import { CONTROLLER, encodeState, partitionKey } from './cluster-view.js'
import type { ClusterView } from './cluster-view.js'
import type { EtcdStore } from './etcd-store.js'
import { electLeader } from './leader-election.js'
import type { LeaderChange } from './leader-election.js'
import { completeReassignment } from './reassignment.js'
import { parseTopicConfig } from '../log/log-config.js'
import { MISSING_STATE_GRACE_MS, MissingStateRepair } from './state-repair.js'
import type { PartitionState } from './types.js'
import type { LogFn } from '../log-fn.js'

export interface ControllerOptions {
  /** The broker default of unclean.leader.election.enable; a topic's own setting wins. */
  uncleanLeaderElection?: () => boolean
  /** How often the controller checks for preferred-leader moves; 0 = only on broker join. */
  preferredLeaderCheckMs?: number
  /** Move leadership back to replicas[0] as soon as it rejoins the ISR. Default true. */
  autoRebalance?: boolean
  /** How long a partition may lack a state before the controller places it. */
  missingStateGraceMs?: number
  log?: LogFn
}

const RETRY_MS = 100
const UNCLEAN = 'unclean.leader.election.enable'

/** A topic's own unclean.leader.election.enable; undefined without one (or an unreadable one:
 *  stored values were validated when set). */
function topicUnclean(configs: Record<string, string>): boolean | undefined {
  const own = configs[UNCLEAN]
  if (own === undefined) return undefined
  try {
    return parseTopicConfig(UNCLEAN, own).uncleanLeaderElectionEnable
  } catch {
    return undefined
  }
}

export class Controller {
  private active = false
  private stopped = false
  private passQueued = false
  private passRunning: Promise<void> | null = null
  private preferredPending = false
  private timer: NodeJS.Timeout | null = null
  private retryTimer: NodeJS.Timeout | null = null
  private repairTimer: NodeJS.Timeout | null = null
  private repairing = false
  private readonly repair: MissingStateRepair
  private readonly log: LogFn
  private readonly changeListeners: Array<(active: boolean) => void> = []

  constructor(
    private readonly store: EtcdStore,
    private readonly view: ClusterView,
    private readonly options: ControllerOptions = {},
  ) {
    this.log = options.log ?? (() => undefined)
    this.repair = new MissingStateRepair(
      store,
      view,
      options.missingStateGraceMs ?? MISSING_STATE_GRACE_MS,
      this.log,
    )
  }

  get isActive(): boolean {
    return this.active
  }

  onActiveChange(fn: (active: boolean) => void): void {
    this.changeListeners.push(fn)
  }

  /** Starts campaigning; the view must be started and the store's session established. */
  start(): void {
    this.view.onController((id) => {
      if (id === -1) void this.campaign()
      else if (id !== this.view.nodeId && this.active) this.setActive(false)
    })
    this.view.onBrokers((added, removed) => {
      if (added.length > 0 && (this.options.autoRebalance ?? true)) this.preferredPending = true
      if (added.length > 0 || removed.length > 0) this.schedulePass()
    })
    this.view.offline.onChange(() => this.schedulePass())
    // A topic that now allows unclean election may have a partition to bring back at once.
    this.view.onTopic((_, record) => {
      if (record !== undefined && topicUnclean(record.configs) === true) this.schedulePass()
    })
    this.view.onPartitionState((s) => {
      // A state that needs the controller (new topic whose leader is not live, an ISR member
      // that died) is fixed at once; healthy states cost one check.
      const preferred = this.options.autoRebalance ?? true
      if (this.active && this.needsChange(s, preferred)) {
        if (preferred) this.preferredPending = true
        this.schedulePass()
      }
    })
    this.store.onSessionLost(() => this.setActive(false))
    this.store.onSessionStarted(() => void this.campaign())
    const every = this.options.preferredLeaderCheckMs ?? 10_000
    if (every > 0) {
      this.timer = setInterval(() => {
        this.preferredPending = true
        this.schedulePass()
      }, every)
      this.timer.unref()
    }
    const grace = this.options.missingStateGraceMs ?? MISSING_STATE_GRACE_MS
    this.repairTimer = setInterval(() => void this.repairMissing(), Math.max(50, grace / 2))
    this.repairTimer.unref()
    void this.campaign()
  }

  private async repairMissing(): Promise<void> {
    if (!this.active || this.stopped || this.repairing || !this.store.sessionAlive) return
    this.repairing = true
    try {
      await this.repair.check()
    } catch (err) {
      this.log('warn', 'placing partitions without state failed; retrying', {
        error: (err as Error).message,
      })
    } finally {
      this.repairing = false
    }
  }

  private async campaign(): Promise<void> {
    if (this.stopped || this.active || !this.store.sessionAlive) return
    try {
      const won = await this.store.createEphemeral(CONTROLLER, String(this.view.nodeId))
      if (won && !this.stopped) {
        this.log('info', 'this broker is now the controller', { nodeId: this.view.nodeId })
        this.setActive(true)
        this.preferredPending = this.options.autoRebalance ?? true
        this.schedulePass()
      }
    } catch (err) {
      this.log('warn', 'controller campaign failed; retrying', { error: (err as Error).message })
      this.retryLater()
    }
  }

  private setActive(active: boolean): void {
    if (this.active === active) return
    this.active = active
    if (!active) this.log('warn', 'this broker is no longer the controller')
    for (const fn of this.changeListeners) fn(active)
  }

  private retryLater(): void {
    if (this.retryTimer !== null || this.stopped) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (this.active) this.schedulePass()
      else if (this.view.controllerId() === -1) void this.campaign()
    }, RETRY_MS)
    this.retryTimer.unref()
  }

  private needsChange(s: PartitionState, preferred: boolean): boolean {
    const live = new Set(this.view.brokers().map((b) => b.nodeId))
    return this.decide(s, live, preferred) !== null
  }

  /** The partition's next state, or null; brokers whose replica is offline count as dead. */
  private decide(
    s: PartitionState,
    live: ReadonlySet<number>,
    preferred: boolean,
  ): { done: Omit<PartitionState, 'version'> | null; change: LeaderChange } | null {
    const usable = this.view.offline.usable(s.topic, s.partition, live)
    // A reassignment whose target replicas are all in sync finishes first (it may move the
    // leader itself); otherwise the usual leader/ISR upkeep.
    const done = completeReassignment(s, usable)
    if (done !== null) return { done, change: done }
    const change = electLeader(s, usable, {
      uncleanLeaderElection: this.unclean(s.topic),
      preferred,
    })
    return change === null ? null : { done: null, change }
  }

  private unclean(topic: string): boolean {
    const configs = this.view.topic(topic)?.configs
    const own = configs === undefined ? undefined : topicUnclean(configs)
    return own ?? this.options.uncleanLeaderElection?.() ?? false
  }

  /** Coalesces triggers: one pass runs at a time, and one more runs after it if asked for. */
  schedulePass(): void {
    if (!this.active || this.stopped) return
    if (this.passRunning !== null) {
      this.passQueued = true
      return
    }
    this.passRunning = this.pass()
      .catch((err: unknown) => {
        this.log('warn', 'controller pass failed; retrying', { error: (err as Error).message })
        this.retryLater()
      })
      .finally(() => {
        this.passRunning = null
        if (this.passQueued) {
          this.passQueued = false
          this.schedulePass()
        }
      })
  }

  /** Resolves once no pass is running or queued (tests). */
  async idle(): Promise<void> {
    while (this.passRunning !== null) await this.passRunning
  }

  private async pass(): Promise<void> {
    await Promise.resolve()
    const preferred = this.preferredPending
    this.preferredPending = false
    const live = new Set(this.view.brokers().map((b) => b.nodeId))
    let conflicts = 0
    for (const s of this.view.allPartitionStates()) {
      if (!this.active || !this.store.sessionAlive) return
      const decision = this.decide(s, live, preferred)
      if (decision === null) continue
      const { done, change } = decision
      const next = done ?? { ...s, ...change }
      const version = await this.store.cas(
        partitionKey(s.topic, s.partition),
        encodeState(next),
        s.version,
      )
      if (version === null) {
        conflicts++
        continue
      }
      this.view.applyState({ ...next, version })
      if (done !== null)
        this.log('info', 'reassignment completed', {
          topic: s.topic,
          partition: s.partition,
          replicas: done.replicas,
          leader: done.leader,
        })
      if (change.leader !== s.leader) {
        this.log('info', 'partition leader changed', {
          topic: s.topic,
          partition: s.partition,
          from: s.leader,
          to: change.leader,
          leaderEpoch: change.leaderEpoch,
          isr: change.isr,
        })
      }
    }
    // Someone (a leader's alterIsr) changed a state under us: the watch brings the new version
    // into the view, then the pass runs again against it.
    if (conflicts > 0) {
      if (preferred) this.preferredPending = true
      this.retryLater()
    }
  }

  /** Tests: stop without resigning, as a crashed process would (the key lives until the TTL). */
  abandon(): void {
    this.stopped = true
    this.active = false
    if (this.timer !== null) clearInterval(this.timer)
    if (this.repairTimer !== null) clearInterval(this.repairTimer)
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
  }

  /** Stops campaigning and gives up the controller key if held. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer !== null) clearInterval(this.timer)
    if (this.repairTimer !== null) clearInterval(this.repairTimer)
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    await this.idle()
    if (this.active) {
      this.active = false
      await this.store.deleteIfValue(CONTROLLER, String(this.view.nodeId)).catch(() => false)
    }
  }
}
