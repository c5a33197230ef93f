// Shared by the compaction benchmark and the compaction tests: compressing a built batch, and
// measuring event-loop stalls without counting the time spent waiting for a CPU.
import fs from 'node:fs'
import { performance } from 'node:perf_hooks'
import { compress } from '../src/log/cleaner/codecs.js'
import {
  ATTRIBUTES,
  ATTR_COMPRESSION_MASK,
  CRC,
  HEADER_SIZE,
  LENGTH,
  LOG_OVERHEAD,
} from '../src/log/record-batch.js'
import { crc32c } from '../src/native/index.js'

/** The same batch with its records section compressed by `codec` (xerial framing optional). */
export async function compressBatch(
  batch: Buffer,
  codec: number,
  xerialSnappy = false,
): Promise<Buffer> {
  const body = await compress(codec, batch.subarray(HEADER_SIZE), { xerialSnappy })
  const out = Buffer.alloc(HEADER_SIZE + body.length)
  batch.copy(out, 0, 0, HEADER_SIZE)
  body.copy(out, HEADER_SIZE)
  out.writeInt32BE(out.length - LOG_OVERHEAD, LENGTH)
  out.writeInt16BE((out.readInt16BE(ATTRIBUTES) & ~ATTR_COMPRESSION_MASK) | codec, ATTRIBUTES)
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES)), CRC)
  return out
}

/** Nanoseconds this thread has waited on a CPU run queue, or -1 where that is not known. */
function runQueueWaitNs(): number {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1])
  } catch {
    return -1
  }
}

export interface StallStats {
  /** Longest gap between two runs of a 1 ms timer, less the time spent waiting for a CPU. */
  maxMs: number
  p99Ms: number
  samples: number
  /** The same gap with that wait (what monitorEventLoopDelay sees). */
  maxRawMs: number
}

/**
 * Event-loop stalls, measured by a 1 ms interval timer. On Linux the time the thread spent
 * runnable but waiting for a CPU (other processes on a shared machine) is subtracted: what is
 * left is the stall the code under test caused (running, or blocked in a synchronous syscall).
 */
export function stallMonitor(): { stop(): StallStats } {
  const gaps: number[] = []
  let maxRawMs = 0
  let last = performance.now()
  let lastWait = runQueueWaitNs()
  const timer = setInterval(() => {
    const now = performance.now()
    const wait = runQueueWaitNs()
    const gap = now - last
    maxRawMs = Math.max(maxRawMs, gap)
    gaps.push(wait >= 0 && lastWait >= 0 ? gap - (wait - lastWait) / 1e6 : gap)
    last = now
    lastWait = wait
  }, 1)
  return {
    stop() {
      clearInterval(timer)
      const sorted = gaps.sort((a, b) => a - b)
      return {
        maxMs: sorted.at(-1) ?? 0,
        p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
        samples: sorted.length,
        maxRawMs,
      }
    },
  }
}
