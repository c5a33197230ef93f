// Time for the group coordinator: the clock and one-shot timers behind one interface, so the
// state machine tests drive session expiry and rebalance delays with a manual clock.

export interface TimerHandle {
  cancel(): void
}

export interface Scheduler {
  now(): number
  schedule(delayMs: number, fn: () => void): TimerHandle
}

/** Wall clock and unref'd timers: a pending group timer never keeps the process alive. */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  schedule(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs))
    t.unref()
    return { cancel: () => clearTimeout(t) }
  },
}

/** A scheduler whose time moves only when advance() is called (tests). */
export class ManualScheduler implements Scheduler {
  private time: number
  private seq = 0
  private readonly timers = new Map<number, { at: number; fn: () => void }>()

  constructor(start = 1_000_000) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  schedule(delayMs: number, fn: () => void): TimerHandle {
    const id = ++this.seq
    this.timers.set(id, { at: this.time + Math.max(0, delayMs), fn })
    return { cancel: () => this.timers.delete(id) }
  }

  /** Moves time forward, firing due timers in time order (a fired timer may schedule more). */
  advance(ms: number): void {
    const target = this.time + ms
    for (;;) {
      let nextId = -1
      let nextAt = Infinity
      for (const [id, t] of this.timers) {
        if (t.at <= target && (t.at < nextAt || (t.at === nextAt && id < nextId))) {
          nextAt = t.at
          nextId = id
        }
      }
      if (nextId < 0) break
      const t = this.timers.get(nextId)
      this.timers.delete(nextId)
      this.time = nextAt
      t?.fn()
    }
    this.time = target
  }

  get pending(): number {
    return this.timers.size
  }
}
