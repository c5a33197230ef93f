// The suite's result file (bench/results/<timestamp>.json): every measurement of every round,
// plus the conditions it ran under. The Markdown report is generated from this alone.

import type { HistogramSummary } from '../../src/cli/perf/histogram.js'

export type Acks = '1' | 'all'

export interface Measurement {
  target: string
  /** produce-max, consume, produce-rate, redis-xadd, redis-xread, ceiling-* */
  workload: string
  driver: 'samsa-perf' | 'kcat' | 'resp' | 'native'
  partitions: number
  messageSize: number
  acks: Acks | null
  /** Percent of the measured max rate, for fixed-rate latency runs. */
  ratePct: number | null
  round: number
  messages: number
  msgsPerSec: number
  mbPerSec: number
  produceLatencyUs: HistogramSummary | null
  endToEndUs: HistogramSummary | null
  /** Broker (server) CPU seconds per GB of payload moved; null when not measurable. */
  cpuSecPerGb: number | null
  rssBytes: number | null
  /** TCP congestion control seen on the client socket, when known. */
  congestion: string | null
  /**
   * Percent of the machine's CPU time taken by the hypervisor (steal) during the run; fixed-rate
   * runs only (absent in results written before it existed).
   */
  hostStealPct?: number | null
}

export interface TargetStatus {
  name: string
  measured: boolean
  detail: string
}

export interface SuiteResult {
  startedAt: string
  finishedAt: string
  profile: 'quick' | 'full'
  rounds: number
  machine: { cpus: number; cpuModel: string; memoryGiB: number; kernel: string; node: string }
  conditions: {
    memory: string
    congestionKernelDefault: string
    congestionRequested: string | null
    congestionNote: string
    noise: string
  }
  workloads: { partitions: number[]; messageSizes: number[]; acks: Acks[]; latencyRates: number[] }
  /** Left out of each fixed-rate histogram (absent in results written before it existed). */
  warmupSeconds?: number
  targets: TargetStatus[]
  measurements: Measurement[]
  notes: string[]
}
