// A log-linear latency histogram in the spirit of HdrHistogram: integer microseconds, values
// below 128 exact, above that 64 sub-buckets per power of two (relative error under 1.6%).
// Recording is two shifts and an increment, so it can sit on the hot path of the load generator;
// histograms from several runs merge by adding counts.

const SUB_BITS = 6
const SUB_COUNT = 1 << SUB_BITS // sub-buckets per power of two above the exact range
const EXACT = SUB_COUNT * 2 // 0..127 recorded exactly
const MAX_EXP = 31 - SUB_BITS // values up to 2^31 - 1 us (about 35 minutes)
const SIZE = EXACT + MAX_EXP * SUB_COUNT

export interface HistogramSummary {
  count: number
  min: number
  max: number
  mean: number
  p50: number
  p90: number
  p99: number
  p999: number
}

function indexOf(v: number): number {
  if (v < EXACT) return v < 0 ? 0 : v
  if (v > 0x7fffffff) v = 0x7fffffff
  const shift = 31 - Math.clz32(v) - SUB_BITS // v >> shift lies in [64, 127]
  return EXACT + (shift - 1) * SUB_COUNT + ((v >>> shift) - SUB_COUNT)
}

/** The highest value that lands in bucket `i` (reported percentiles never understate). */
function valueOf(i: number): number {
  if (i < EXACT) return i
  const shift = Math.floor((i - EXACT) / SUB_COUNT) + 1
  const sub = ((i - EXACT) % SUB_COUNT) + SUB_COUNT
  return ((sub + 1) << shift) - 1
}

export class Histogram {
  readonly counts = new Float64Array(SIZE)
  count = 0
  min = Number.POSITIVE_INFINITY
  max = 0
  private sum = 0

  /** Records `value` microseconds `times` times (a batch of records shares one latency). */
  record(value: number, times = 1): void {
    const v = Math.round(value)
    this.counts[indexOf(v)] += times
    this.count += times
    this.sum += v * times
    if (v < this.min) this.min = v
    if (v > this.max) this.max = v
  }

  merge(other: Histogram): void {
    for (let i = 0; i < SIZE; i++) this.counts[i] += other.counts[i] as number
    this.count += other.count
    this.sum += other.sum
    if (other.min < this.min) this.min = other.min
    if (other.max > this.max) this.max = other.max
  }

  /** The value at percentile `p` (0-100); 0 when empty. Clamped to the recorded max. */
  percentile(p: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil((p / 100) * this.count))
    let seen = 0
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i] as number
      if (seen >= rank) return Math.min(valueOf(i), this.max)
    }
    return this.max
  }

  summary(): HistogramSummary {
    const empty = this.count === 0
    return {
      count: this.count,
      min: empty ? 0 : this.min,
      max: this.max,
      mean: empty ? 0 : this.sum / this.count,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
    }
  }
}
