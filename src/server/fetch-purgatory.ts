// Parks long-poll fetches (fetch.min.bytes not reached yet) until an append lands on one of the
// partitions they read, their max wait runs out, or the broker shuts down. The fetch handler
// re-runs its read after every wake-up, so the purgatory holds no data, only waiters.

export type WakeReason = 'append' | 'timeout' | 'closed'

/** What the purgatory listens to: LogManager.onAppend fits. */
export interface AppendSource {
  onAppend(listener: (log: { readonly topic: string; readonly partition: number }) => void): void
}

interface Waiter {
  readonly keys: readonly string[]
  readonly resolve: (reason: WakeReason) => void
  timer: NodeJS.Timeout | undefined
  done: boolean
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

export class FetchPurgatory {
  private readonly byKey = new Map<string, Set<Waiter>>()
  private readonly waiters = new Set<Waiter>()
  private closed = false

  constructor(source?: AppendSource) {
    source?.onAppend((log) => this.notify(log.topic, log.partition))
  }

  /** Parked fetches right now (for stats and tests). */
  get size(): number {
    return this.waiters.size
  }

  /**
   * Resolves once an append lands on one of the partitions, after timeoutMs, or when the
   * purgatory closes. Never rejects.
   */
  wait(
    partitions: Iterable<{ topic: string; partition: number }>,
    timeoutMs: number,
  ): Promise<WakeReason> {
    if (this.closed) return Promise.resolve('closed')
    const unique = new Set<string>()
    for (const p of partitions) unique.add(partitionKey(p.topic, p.partition))
    const keys = [...unique]
    return new Promise<WakeReason>((resolve) => {
      const waiter: Waiter = {
        keys,
        timer: undefined,
        done: false,
        resolve: (reason) => {
          if (!this.remove(waiter)) return
          resolve(reason)
        },
      }
      for (const key of keys) {
        let set = this.byKey.get(key)
        if (set === undefined) {
          set = new Set()
          this.byKey.set(key, set)
        }
        set.add(waiter)
      }
      this.waiters.add(waiter)
      waiter.timer = setTimeout(() => waiter.resolve('timeout'), Math.max(0, timeoutMs))
    })
  }

  /** Wakes every fetch parked on this partition. */
  notify(topic: string, partition: number): void {
    // Called on every append: no key string while no fetch is parked.
    if (this.byKey.size === 0) return
    const set = this.byKey.get(partitionKey(topic, partition))
    if (set === undefined) return
    for (const waiter of [...set]) waiter.resolve('append')
  }

  /** Wakes every parked fetch (shutdown) and refuses new ones. */
  close(): void {
    this.closed = true
    for (const waiter of [...this.waiters]) waiter.resolve('closed')
  }

  private remove(waiter: Waiter): boolean {
    if (waiter.done) return false
    waiter.done = true
    for (const key of waiter.keys) {
      const set = this.byKey.get(key)
      if (set === undefined) continue
      set.delete(waiter)
      if (set.size === 0) this.byKey.delete(key)
    }
    if (waiter.timer !== undefined) clearTimeout(waiter.timer)
    this.waiters.delete(waiter)
    return true
  }
}
