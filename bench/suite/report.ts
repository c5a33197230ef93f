// Turns a suite result (the JSON file) into the Markdown report and its SVG charts: medians with
// min-max spreads over the rounds, the side-by-side table, the targets Samsa must reach (with
// the measured ratio and PASS/FAIL), and the conditions the numbers were measured under.

import type { HistogramSummary } from '../../src/cli/perf/histogram.js'
import { spread } from './proc.js'
import type { Spread } from './proc.js'
import { barChart, lineChart } from './svg.js'
import type { Measurement, SuiteResult } from './types.js'

export interface Row {
  key: string
  first: Measurement
  rounds: number
  msgsPerSec: Spread | null
  mbPerSec: Spread | null
  produceP50: Spread | null
  produceP99: Spread | null
  produceP999: Spread | null
  e2eP50: Spread | null
  e2eP99: Spread | null
  e2eP999: Spread | null
  cpuSecPerGb: Spread | null
  rssBytes: Spread | null
  hostStealPct: Spread | null
}

export interface Check {
  name: string
  limit: string
  measured: string
  ratio: number | null
  pass: boolean | null
}

function keyOf(m: Measurement): string {
  return [m.target, m.workload, m.driver, m.partitions, m.messageSize, m.acks, m.ratePct].join('|')
}

const pct = (h: HistogramSummary | null, k: 'p50' | 'p99' | 'p999'): number | null =>
  h === null || h.count === 0 ? null : h[k] / 1000

export function aggregate(measurements: Measurement[]): Row[] {
  const groups = new Map<string, Measurement[]>()
  for (const m of measurements) {
    const k = keyOf(m)
    groups.set(k, [...(groups.get(k) ?? []), m])
  }
  return [...groups.entries()].map(([key, ms]) => ({
    key,
    first: ms[0] as Measurement,
    rounds: ms.length,
    msgsPerSec: spread(ms.map((m) => m.msgsPerSec)),
    mbPerSec: spread(ms.map((m) => m.mbPerSec)),
    produceP50: spread(ms.map((m) => pct(m.produceLatencyUs, 'p50'))),
    produceP99: spread(ms.map((m) => pct(m.produceLatencyUs, 'p99'))),
    produceP999: spread(ms.map((m) => pct(m.produceLatencyUs, 'p999'))),
    e2eP50: spread(ms.map((m) => pct(m.endToEndUs, 'p50'))),
    e2eP99: spread(ms.map((m) => pct(m.endToEndUs, 'p99'))),
    e2eP999: spread(ms.map((m) => pct(m.endToEndUs, 'p999'))),
    cpuSecPerGb: spread(ms.map((m) => m.cpuSecPerGb)),
    rssBytes: spread(ms.map((m) => m.rssBytes)),
    hostStealPct: spread(ms.map((m) => m.hostStealPct)),
  }))
}

function num(v: number, digits: number): string {
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(2)}M`
  if (Math.abs(v) >= 1e4) return `${(v / 1e3).toFixed(0)}k`
  return v.toFixed(digits)
}

/** "median (min-max)" or "-" */
export function cell(s: Spread | null, digits = 1, scale = 1): string {
  if (s === null) return '-'
  const m = num(s.median / scale, digits)
  if (s.n < 2) return m
  return `${m} (${num(s.min / scale, digits)}-${num(s.max / scale, digits)})`
}

function find(rows: Row[], f: (m: Measurement) => boolean): Row | undefined {
  return rows.find((r) => f(r.first))
}

export function checks(result: SuiteResult): Check[] {
  const rows = aggregate(result.measurements)
  const p = Math.min(...result.workloads.partitions)
  const base = (m: Measurement): boolean => m.messageSize === 1024 && m.partitions === p
  const samsa = (workload: string, extra: (m: Measurement) => boolean = () => true) =>
    find(
      rows,
      (m) =>
        m.target === 'Samsa' &&
        m.workload === workload &&
        m.driver === 'samsa-perf' &&
        m.acks === '1' &&
        base(m) &&
        extra(m),
    )
  const redis = (workload: string) =>
    find(rows, (m) => m.workload === workload && m.messageSize === 1024)
  const ceiling = (workload: string) => find(rows, (m) => m.workload === workload)
  const out: Check[] = []
  const ratioCheck = (
    name: string,
    limit: string,
    a: number | undefined,
    b: number | undefined,
    unit: string,
    ok: (r: number) => boolean,
  ): void => {
    if (a === undefined || b === undefined || !(b > 0)) {
      out.push({ name, limit, measured: 'not measured', ratio: null, pass: null })
      return
    }
    const r = a / b
    out.push({
      name,
      limit,
      measured: `${num(a, 2)} vs ${num(b, 2)} ${unit}`,
      ratio: r,
      pass: ok(r),
    })
  }
  ratioCheck(
    'Produce MB/s vs Redis XADD',
    '>= 2.5x',
    samsa('produce-max')?.mbPerSec?.median,
    redis('redis-xadd')?.mbPerSec?.median,
    'MB/s',
    (r) => r >= 2.5,
  )
  ratioCheck(
    'Fetch MB/s vs Redis XREAD',
    '>= 2x',
    samsa('consume')?.mbPerSec?.median,
    redis('redis-xread')?.mbPerSec?.median,
    'MB/s',
    (r) => r >= 2,
  )
  ratioCheck(
    'Broker CPU-s/GB fetched vs bare sendfile server',
    '<= 1.5x',
    samsa('consume')?.cpuSecPerGb?.median,
    ceiling('ceiling-sendfile')?.cpuSecPerGb?.median,
    'CPU-s/GB',
    (r) => r <= 1.5,
  )
  const atMost = (
    name: string,
    limit: number,
    unit: string,
    value: number | undefined,
    context = '',
  ): void => {
    out.push(
      value === undefined
        ? { name, limit: `<= ${limit}`, measured: 'not measured', ratio: null, pass: null }
        : {
            name,
            limit: `<= ${limit}${unit === 'ms' ? ' ms' : ''}`,
            measured: `${value.toFixed(unit === 'ms' ? 2 : 3)} ${unit}${context}`,
            ratio: value,
            pass: value <= limit,
          },
    )
  }
  // Both drivers: samsa perf (1 MiB batches, OMB's throughput config) and kcat (librdkafka).
  atMost(
    'Broker CPU-s/GB produced (samsa perf)',
    0.7,
    'CPU-s/GB',
    samsa('produce-max')?.cpuSecPerGb?.median,
  )
  atMost(
    'Broker CPU-s/GB produced (kcat)',
    0.7,
    'CPU-s/GB',
    find(
      rows,
      (m) =>
        m.target === 'Samsa' &&
        m.workload === 'produce-max' &&
        m.driver === 'kcat' &&
        m.acks === '1' &&
        base(m),
    )?.cpuSecPerGb?.median,
  )
  const floor = find(
    rows,
    (m) =>
      m.target === 'samsa perf vs sink' &&
      m.workload === 'produce-rate' &&
      m.ratePct === 50 &&
      base(m),
  )?.produceP99?.median
  const half = samsa('produce-rate', (m) => m.ratePct === 50)
  const context = [
    floor === undefined
      ? null
      : `the generator against a sink at the same rate: ${floor.toFixed(2)} ms`,
    half === undefined
      ? null
      : quietRounds(result.measurements.filter((m) => keyOf(m) === half.key)),
  ].filter((x) => x !== null)
  atMost(
    'p99 produce latency at 50% of max rate',
    5,
    'ms',
    half?.produceP99?.median,
    context.length === 0 ? '' : ` (${context.join('; ')})`,
  )
  return out
}

/** Host steal (percent of CPU time) above which a latency run is called disturbed. */
export const QUIET_STEAL_PCT = 5

/**
 * The p99 of the runs the hypervisor left alone, next to the verdict over all runs: steal stalls
 * every process here at once, and one noisy round can move a median of few rounds.
 */
function quietRounds(runs: Measurement[]): string | null {
  const known = runs.filter((m) => typeof m.hostStealPct === 'number')
  if (known.length === 0) return null
  const steal = spread(known.map((m) => m.hostStealPct))
  const quiet = known.filter((m) => (m.hostStealPct as number) < QUIET_STEAL_PCT)
  const p99 = spread(quiet.map((m) => pct(m.produceLatencyUs, 'p99')))
  const s = `host steal ${cell(steal, 1)}%`
  return p99 === null
    ? `${s}; no round under ${QUIET_STEAL_PCT}%`
    : `${s}; the ${quiet.length} of ${known.length} rounds under ${QUIET_STEAL_PCT}% steal: ${cell(p99, 2)} ms`
}

const WORKLOAD_NAMES: Record<string, string> = {
  'produce-max': 'produce, max rate',
  'produce-consume-max': 'produce + consume, max rate',
  consume: 'consume (fetch all)',
  'produce-rate': 'produce at fixed rate',
  'redis-xadd': 'XADD pipelined',
  'redis-xread': 'XREAD scan',
  'ceiling-sendfile': 'native sendfile -> sink',
  'ceiling-append': 'fs.writev append loop',
  'ceiling-loopback-tcp': 'Node loopback TCP',
  'ceiling-perf-sink': 'produce to a sink',
}

function tableRows(rows: Row[]): string[] {
  const lines = [
    '| target | workload | driver | part. | msg B | acks | msgs/s | MB/s | produce p50 / p99 / p99.9 ms | end-to-end p50 / p99 / p99.9 ms | broker CPU-s/GB | broker RSS MiB | host steal % |',
    '|---|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|',
  ]
  for (const r of rows) {
    const m = r.first
    const wl = `${WORKLOAD_NAMES[m.workload] ?? m.workload}${m.ratePct !== null ? ` (${m.ratePct}% of max)` : ''}`
    const lat = (a: Spread | null, b: Spread | null, c: Spread | null): string =>
      a === null ? '-' : `${cell(a, 2)} / ${cell(b, 2)} / ${cell(c, 2)}`
    lines.push(
      `| ${m.target} | ${wl} | ${m.driver} | ${m.partitions} | ${m.messageSize} | ${m.acks ?? '-'} | ${cell(r.msgsPerSec, 0)} | ${cell(r.mbPerSec, 1)} | ${lat(r.produceP50, r.produceP99, r.produceP999)} | ${lat(r.e2eP50, r.e2eP99, r.e2eP999)} | ${cell(r.cpuSecPerGb, 3)} | ${cell(r.rssBytes, 0, 1 << 20)} | ${cell(r.hostStealPct, 1)} |`,
    )
  }
  return lines
}

export function buildReport(
  result: SuiteResult,
  chartPrefix: string,
): { markdown: string; charts: Array<{ name: string; svg: string }> } {
  const rows = aggregate(result.measurements)
  const charts: Array<{ name: string; svg: string }> = []
  const md: string[] = [
    `# Samsa benchmark report, ${result.startedAt}`,
    '',
    `Profile **${result.profile}**, ${result.rounds} round(s); targets run alternately in each round. Cells show the median over the rounds and, with more than one round, the spread (min-max).`,
    '',
    '## Conditions',
    '',
    `- Machine: ${result.machine.cpus} CPUs (${result.machine.cpuModel}), ${result.machine.memoryGiB.toFixed(0)} GiB RAM, Linux ${result.machine.kernel}, Node ${result.machine.node}.`,
    `- Noise: ${result.conditions.noise}`,
    `- Memory warmth: ${result.conditions.memory}`,
    `- TCP congestion control: kernel default \`${result.conditions.congestionKernelDefault}\`; requested: ${result.conditions.congestionRequested === null ? 'none (kernel default)' : `\`${result.conditions.congestionRequested}\``}. ${result.conditions.congestionNote}`,
    `- Workloads: 1 topic x ${result.workloads.partitions.join(' / ')} partitions; ${result.workloads.messageSizes.join(' B and ')} B messages; acks=${result.workloads.acks.join(' and acks=')}; fixed rates at ${result.workloads.latencyRates.join('%, ')}% of the max rate sustained with a consumer attached (as OMB's max-rate workloads run their consumers), each with a consumer reading from the log end. samsa perf batches as OpenMessaging Benchmark's Kafka driver does: 1 MiB batches at max rate (kafka-throughput.yaml), and at fixed rates what accumulates in 1 ms (linger.ms=1) up to 128 KiB (kafka-latency.yaml).`,
    '',
    '## Targets',
    '',
    ...result.targets.map(
      (t) => `- **${t.name}**: ${t.measured ? 'measured' : 'not measured'} (${t.detail})`,
    ),
    '',
    '## Where Samsa must stand (single broker, 1 KiB, acks=1, ratios from this run)',
    '',
    '| requirement | limit | measured | ratio | result |',
    '|---|---|---|--:|---|',
    ...checks(result).map(
      (c) =>
        `| ${c.name} | ${c.limit} | ${c.measured} | ${c.ratio === null ? '-' : c.ratio.toFixed(2)} | ${c.pass === null ? 'NOT MEASURED' : c.pass ? 'PASS' : 'FAIL'} |`,
    ),
    '',
    '## Results',
    '',
    ...tableRows(rows),
    '',
    `MB/s counts message payload bytes (10^6). Broker CPU-s/GB is the broker process's user+system CPU (from /proc/<pid>/stat) per GB of payload moved during that measurement; for fixed-rate runs it covers produce and the concurrent consume. Produce latency runs from the time a request was due (fixed rates) or sent (max rate) to its response; end-to-end latency from the send time embedded in the first record of each batch to the consumer receiving it. Fixed-rate histograms leave out the first ${result.warmupSeconds ?? 0} s of each run (warm-up, as in OMB); the rate covers the whole run. The 50% rate is also sent to a sink ("samsa perf vs sink"): the latency the generator and the machine add without any broker. Host steal % is the share of the machine's CPU time the hypervisor gave to other guests during a fixed-rate run (/proc/stat): when it is high, broker and clients stall together, and the p99 of such a run says more about the host than about the broker.`,
    '',
  ]
  // Throughput per target and partition count (samsa perf, first message size, acks=1).
  const size = result.workloads.messageSizes[0] ?? 1024
  for (const workload of ['produce-max', 'consume']) {
    const groups = result.workloads.partitions.map((p) => ({
      label: `${p} partition${p === 1 ? '' : 's'}`,
      bars: rows
        .filter(
          (r) =>
            r.first.workload === workload &&
            r.first.partitions === p &&
            r.first.messageSize === size &&
            r.first.acks === '1' &&
            r.mbPerSec !== null,
        )
        .map((r) => ({
          series: `${r.first.target} (${r.first.driver})`,
          value: (r.mbPerSec as Spread).median,
        })),
    }))
    const extra = rows.filter(
      (r) =>
        (workload === 'produce-max'
          ? r.first.workload === 'redis-xadd'
          : r.first.workload === 'redis-xread') && r.first.messageSize === size,
    )
    if (extra.length > 0)
      groups.push({
        label: 'Redis',
        bars: extra.map((r) => ({ series: 'Redis Streams', value: r.mbPerSec?.median ?? 0 })),
      })
    const name = `${chartPrefix}-${workload}.svg`
    charts.push({
      name,
      svg: barChart(
        `${WORKLOAD_NAMES[workload] ?? workload}: MB/s (${size} B, acks=1, median)`,
        'MB/s',
        groups,
      ),
    })
    md.push(`![${workload} throughput](${name})`, '')
  }
  // Latency percentiles per rate.
  const latencyRows = rows.filter(
    (r) =>
      r.first.workload === 'produce-rate' && r.first.acks === '1' && r.first.messageSize === size,
  )
  if (latencyRows.length > 0) {
    const series: Array<{ name: string; points: Array<{ x: number; y: number }> }> = []
    const byKey = new Map<string, Row[]>()
    for (const r of latencyRows) {
      const k = `${r.first.target} ${r.first.partitions}p`
      byKey.set(k, [...(byKey.get(k) ?? []), r])
    }
    for (const [k, rs] of byKey)
      for (const [label, get] of [
        ['p50', (r: Row) => r.produceP50],
        ['p99', (r: Row) => r.produceP99],
        ['e2e p99', (r: Row) => r.e2eP99],
      ] as const)
        series.push({
          name: `${k} ${label}`,
          points: rs
            .filter((r) => get(r) !== null)
            .map((r) => ({ x: r.first.ratePct ?? 0, y: (get(r) as Spread).median })),
        })
    const name = `${chartPrefix}-latency.svg`
    charts.push({
      name,
      svg: lineChart(
        `Latency vs offered load (${size} B, acks=1, median)`,
        '% of measured max rate',
        'ms',
        series,
      ),
    })
    md.push(`![latency per rate](${name})`, '')
  }
  if (result.notes.length > 0) md.push('## Notes', '', ...result.notes.map((n) => `- ${n}`), '')
  return { markdown: md.join('\n'), charts }
}
