// Calls back at a due time with sub-millisecond precision, without spinning a core. Node's timers
// have whole-millisecond resolution and on this VM fire ~1 ms late at the median (3 ms at p99);
// a fixed-rate generator charges that lateness to the broker, since latency counts from the due
// time. So a wait is done in three steps:
//   - far from the due time: setTimeout, waking COARSE_MARGIN_US early (cheap, imprecise);
//   - within it: blocking futex sleeps (Atomics.wait takes fractional milliseconds) of at most
//     CHUNK_US, each followed by a trip through the event loop so responses are still read
//     (a response waits at most one chunk, which bounds what the sleeps add to its latency);
//   - the last SPIN_US (about what a futex sleep oversleeps here): setImmediate turns.
// Every wake-up costs ~70 us of CPU on this VM, so the chunk is a trade between CPU and how long
// a response may wait. Measured in isolation at 630 us intervals (100k msgs/s in 63-record
// batches): ~20 us late at the median for ~20% of a core, where setTimeout alone costs ~8% but
// is 0.3-0.7 ms late at the median and 2-5 ms at p99. Waking a helper thread instead is worse
// here: cross-thread wake-ups are 4-15 ms late at p99.

import { nowMicros } from './frames.js'

const COARSE_MARGIN_US = 2000
const CHUNK_US = 400
const SPIN_US = 100
/** Shorter sleeps cost a wake-up for little: spin instead. */
const MIN_SLEEP_US = 50

/** One shared word to sleep on; nothing ever notifies it, so a wait always times out. */
const SLEEP_WORD = new Int32Array(new SharedArrayBuffer(4))

export class Pacer {
  private due = 0
  private armed = false
  private timer: NodeJS.Timeout | null = null
  private immediate: NodeJS.Immediate | null = null
  /** Futex sleeps taken, for the curious (CPU cost scales with it). */
  sleeps = 0
  private readonly step = (): void => {
    this.timer = null
    this.immediate = null
    if (!this.armed) return
    const left = this.due - nowMicros()
    if (left <= 0) {
      this.armed = false
      this.onDue()
      return
    }
    if (left > COARSE_MARGIN_US + 1000) {
      this.timer = setTimeout(this.step, Math.floor((left - COARSE_MARGIN_US) / 1000))
      return
    }
    const sleepable = left - SPIN_US
    if (sleepable >= MIN_SLEEP_US) {
      // Even chunks: a short last chunk would oversleep (by ~SPIN_US) past the due time.
      const chunk = sleepable / Math.ceil(sleepable / CHUNK_US)
      if (chunk >= MIN_SLEEP_US) {
        this.sleeps++
        Atomics.wait(SLEEP_WORD, 0, 0, chunk / 1000)
      }
    }
    this.immediate = setImmediate(this.step)
  }

  constructor(private readonly onDue: () => void) {}

  /**
   * Calls onDue once at (never before) `due`, in nowMicros() time, from the event loop (never
   * synchronously); replaces a pending wait.
   */
  at(due: number): void {
    if (this.armed && due >= this.due) {
      this.due = due // the pending wake-up comes first and re-checks
      return
    }
    this.cancel()
    this.due = due
    this.armed = true
    this.immediate = setImmediate(this.step)
  }

  get pending(): boolean {
    return this.armed
  }

  cancel(): void {
    this.armed = false
    if (this.timer !== null) clearTimeout(this.timer)
    if (this.immediate !== null) clearImmediate(this.immediate)
    this.timer = null
    this.immediate = null
  }
}
