// Parks long-poll fetches (fetch.min.bytes not reached yet) until an append lands on one of the
// partitions they read, their max wait runs out, or the broker shuts down. The fetch handler
// re-runs its read after every wake-up, so the purgatory holds no data, only waiters.

export type WakeReason = 'append' | 'timeout' | 'closed'

/** What the purgatory listens to: LogManager.onAppend fits. */
export interface AppendSource {
  onAppend(listener: (log: { readonly topic: string; readonly partition: number }) => void): void
}

/** The partitions one fetch reads, in the request's own shape (nothing is copied per wait). */
export interface WaitTopic {
  readonly topic: string
  readonly partitions: ReadonlyArray<{ readonly partition: number }>
}

interface Waiter {
  /** The sets this waiter is in. */
  readonly sets: Set<Waiter>[]
  readonly resolve: (reason: WakeReason) => void
  timer: NodeJS.Timeout | undefined
  done: boolean
}

/** Parked fetches of one topic, by partition number. */
type TopicWaiters = Map<number, Set<Waiter>>

/** How often topics with nothing parked are forgotten (deleted topics must not pile up). */
const SWEEP_MS = 30_000

/**
 * Waiters are kept by topic, then partition number: a consumer's long poll over 100 partitions
 * costs one string lookup and 100 small-integer lookups, and reuses the sets the previous poll
 * left empty. (A string key per partition cost ~9% of the event loop at 100 partitions.)
 */
export class FetchPurgatory {
  private readonly byTopic = new Map<string, TopicWaiters>()
  private readonly waiters = new Set<Waiter>()
  private readonly sweeper: NodeJS.Timeout
  private closed = false

  constructor(source?: AppendSource) {
    source?.onAppend((log) => this.notify(log.topic, log.partition))
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS)
    this.sweeper.unref()
  }

  /** Parked fetches right now (for stats and tests). */
  get size(): number {
    return this.waiters.size
  }

  /** Topics the purgatory keeps sets for (tests: empty ones go at the next sweep). */
  get topicsTracked(): number {
    return this.byTopic.size
  }

  /**
   * Resolves once an append lands on one of the partitions, after timeoutMs, or when the
   * purgatory closes. Never rejects.
   */
  wait(topics: readonly WaitTopic[], timeoutMs: number): Promise<WakeReason> {
    if (this.closed) return Promise.resolve('closed')
    return new Promise<WakeReason>((resolve) => {
      const waiter: Waiter = {
        sets: [],
        timer: undefined,
        done: false,
        resolve: (reason) => {
          if (!this.remove(waiter)) return
          resolve(reason)
        },
      }
      for (const t of topics) {
        let byPartition = this.byTopic.get(t.topic)
        if (byPartition === undefined) {
          byPartition = new Map()
          this.byTopic.set(t.topic, byPartition)
        }
        for (const p of t.partitions) {
          let set = byPartition.get(p.partition)
          if (set === undefined) {
            set = new Set()
            byPartition.set(p.partition, set)
          }
          // A partition listed twice parks the waiter once.
          if (set.has(waiter)) continue
          set.add(waiter)
          waiter.sets.push(set)
        }
      }
      this.waiters.add(waiter)
      waiter.timer = setTimeout(() => waiter.resolve('timeout'), Math.max(0, timeoutMs))
    })
  }

  /** Wakes every fetch parked on this partition. */
  notify(topic: string, partition: number): void {
    // Called on every append: nothing to look up while no fetch is parked.
    if (this.waiters.size === 0) return
    const set = this.byTopic.get(topic)?.get(partition)
    if (set === undefined || set.size === 0) return
    // resolve() deletes the waiter from this set: safe for a Set iterator, so no copy per append.
    for (const waiter of set) waiter.resolve('append')
  }

  /** Wakes every parked fetch (shutdown) and refuses new ones. */
  close(): void {
    this.closed = true
    clearInterval(this.sweeper)
    for (const waiter of [...this.waiters]) waiter.resolve('closed')
    this.byTopic.clear()
  }

  /** Forgets topics nothing is parked on. */
  sweep(): void {
    for (const [topic, byPartition] of this.byTopic) {
      let parked = false
      for (const set of byPartition.values()) parked ||= set.size > 0
      if (!parked) this.byTopic.delete(topic)
    }
  }

  private remove(waiter: Waiter): boolean {
    if (waiter.done) return false
    waiter.done = true
    for (const set of waiter.sets) set.delete(waiter)
    if (waiter.timer !== undefined) clearTimeout(waiter.timer)
    this.waiters.delete(waiter)
    return true
  }
}
