// Event-loop delay over a sliding window: perf_hooks' histogram is reset once a window has been
// read, so the figures describe the last few seconds rather than the whole uptime.

import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { IntervalHistogram } from 'node:perf_hooks'

export interface EventLoopDelay {
  /** Seconds. */
  p50: number
  p99: number
  max: number
}

const NS_PER_S = 1e9

export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram
  private windowStart: number
  private last: EventLoopDelay = { p50: 0, p99: 0, max: 0 }

  constructor(
    private readonly windowMs = 10_000,
    private readonly clock: () => number = Date.now,
  ) {
    this.histogram = monitorEventLoopDelay({ resolution: 10 })
    this.histogram.enable()
    this.windowStart = clock()
  }

  /** The delay percentiles of the current window; starts a new window once this one is full. */
  read(): EventLoopDelay {
    const h = this.histogram
    if (h.count > 0) {
      this.last = {
        p50: h.percentile(50) / NS_PER_S,
        p99: h.percentile(99) / NS_PER_S,
        max: h.max / NS_PER_S,
      }
    }
    const now = this.clock()
    if (now - this.windowStart >= this.windowMs) {
      h.reset()
      this.windowStart = now
    }
    return this.last
  }

  close(): void {
    this.histogram.disable()
  }
}
