// Pure parts of the benchmark suite: RESP codec, KRaft config, SVG charts, report generation.
import { describe, expect, it } from 'vitest'
import { kafkaClusterId, kraftConfig } from '../../bench/suite/kafka.js'
import { hostTimes, spread, stealPercent } from '../../bench/suite/proc.js'
import { buildReport, checks } from '../../bench/suite/report.js'
import { RespError, RespParser, encodeCommand } from '../../bench/suite/resp.js'
import { barChart, lineChart } from '../../bench/suite/svg.js'
import type { Measurement, SuiteResult } from '../../bench/suite/types.js'

describe('RESP', () => {
  it('encodes commands as arrays of bulk strings', () => {
    expect(encodeCommand(['XADD', 's', '*', 'v', Buffer.from('ab')]).toString()).toBe(
      '*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$1\r\nv\r\n$2\r\nab\r\n',
    )
  })

  it('parses replies split at any byte', () => {
    const wire = Buffer.from(
      '+OK\r\n$15\r\n1700000000000-0\r\n:42\r\n-ERR wrong\r\n$-1\r\n' +
        '*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nv\r\n$3\r\nabc\r\n',
    )
    for (let split = 1; split < wire.length; split++) {
      const p = new RespParser()
      const out = [...p.push(wire.subarray(0, split)), ...p.push(wire.subarray(split))]
      expect(out).toHaveLength(6)
      expect(out[0]).toBe('OK')
      expect(String(out[1])).toBe('1700000000000-0')
      expect(out[2]).toBe(42)
      expect(out[3]).toBeInstanceOf(RespError)
      expect((out[3] as RespError).message).toBe('ERR wrong')
      expect(out[4]).toBeNull()
      const xread = out[5] as unknown[][]
      expect(String(((xread[0]?.[1] as unknown[][])[0]?.[1] as Buffer[])[1])).toBe('abc')
    }
  })
})

describe('Kafka KRaft config', () => {
  it('generates a single-node broker+controller config on loopback', () => {
    const text = kraftConfig({ brokerPort: 19092, controllerPort: 19093, logDir: 'scratch/x/data' })
    const props = new Map(
      text
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    )
    expect(props.get('process.roles')).toBe('broker,controller')
    expect(props.get('node.id')).toBe('1')
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093')
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093')
    expect(props.get('controller.listener.names')).toBe('CONTROLLER')
    expect(props.get('log.dirs')).toBe('scratch/x/data')
    expect(props.get('offsets.topic.replication.factor')).toBe('1')
    expect(props.get('listener.security.protocol.map')).toContain('CONTROLLER:PLAINTEXT')
  })

  it('makes 22-character URL-safe cluster ids', () => {
    const id = kafkaClusterId()
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(kafkaClusterId()).not.toBe(id)
  })
})

describe('SVG charts', () => {
  it('writes a bar chart with one rect per bar and escaped labels', () => {
    const svg = barChart('MB/s <test>', 'MB/s', [
      {
        label: '1 partition',
        bars: [
          { series: 'Samsa', value: 150 },
          { series: 'Redis & co', value: 80 },
        ],
      },
      { label: '16 partitions', bars: [{ series: 'Samsa', value: 120 }] },
    ])
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>/)
    expect(svg.trim().endsWith('</svg>')).toBe(true)
    expect(svg).toContain('MB/s &lt;test&gt;')
    expect(svg).toContain('Redis &amp; co')
    expect((svg.match(/<rect [^>]*><title>/g) ?? []).length).toBe(3)
    // Tags balance (a cheap well-formedness check).
    const opens = (svg.match(/<(rect|text|title|svg)[\s>]/g) ?? []).length
    const closes =
      (svg.match(/<\/(rect|text|title|svg)>/g) ?? []).length +
      (svg.match(/<rect [^>]*\/>/g) ?? []).length
    expect(closes).toBe(opens)
  })

  it('writes a line chart with a polyline per series', () => {
    const svg = lineChart('latency', '% of max', 'ms', [
      {
        name: 'p50',
        points: [
          { x: 25, y: 1 },
          { x: 50, y: 2 },
          { x: 75, y: 4 },
        ],
      },
      {
        name: 'p99',
        points: [
          { x: 25, y: 3 },
          { x: 50, y: 6 },
          { x: 75, y: 12 },
        ],
      },
    ])
    expect((svg.match(/<polyline /g) ?? []).length).toBe(2)
    expect((svg.match(/<circle /g) ?? []).length).toBe(6)
    expect(svg).not.toContain('NaN')
  })
})

function m(over: Partial<Measurement>): Measurement {
  return {
    target: 'Samsa',
    workload: 'produce-max',
    driver: 'samsa-perf',
    partitions: 1,
    messageSize: 1024,
    acks: '1',
    ratePct: null,
    round: 1,
    messages: 1000,
    msgsPerSec: 1000,
    mbPerSec: 100,
    produceLatencyUs: null,
    endToEndUs: null,
    cpuSecPerGb: 0.5,
    rssBytes: 100 << 20,
    congestion: 'bbr',
    ...over,
  }
}

const lat = (p99: number) => ({
  count: 10,
  min: 100,
  max: p99 * 2,
  mean: 1000,
  p50: 1000,
  p90: 2000,
  p99,
  p999: p99 * 2,
})

function canned(): SuiteResult {
  return {
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:02:00.000Z',
    profile: 'quick',
    rounds: 2,
    machine: { cpus: 2, cpuModel: 'test cpu', memoryGiB: 24, kernel: '6.1', node: 'v20' },
    conditions: {
      memory: 'warm',
      congestionKernelDefault: 'bbr',
      congestionRequested: null,
      congestionNote: '',
      noise: 'shared',
    },
    workloads: {
      partitions: [1, 16],
      messageSizes: [1024],
      acks: ['1'],
      latencyRates: [25, 50, 75],
    },
    warmupSeconds: 1,
    targets: [
      { name: 'Samsa', measured: true, detail: 'started' },
      { name: 'Apache Kafka', measured: false, detail: 'no --kafka-home' },
    ],
    measurements: [
      m({ round: 1, mbPerSec: 300 }),
      m({ round: 2, mbPerSec: 340, cpuSecPerGb: 0.6 }),
      m({ workload: 'consume', mbPerSec: 500, cpuSecPerGb: 0.2 }),
      m({ workload: 'consume', round: 2, mbPerSec: 520, cpuSecPerGb: 0.2 }),
      m({
        workload: 'produce-rate',
        ratePct: 50,
        produceLatencyUs: lat(4000),
        endToEndUs: lat(6000),
      }),
      m({
        workload: 'produce-rate',
        ratePct: 50,
        round: 2,
        produceLatencyUs: lat(7000),
        endToEndUs: lat(9000),
      }),
      m({
        target: 'samsa perf vs sink',
        workload: 'produce-rate',
        ratePct: 50,
        produceLatencyUs: lat(1500),
        cpuSecPerGb: null,
      }),
      m({
        target: 'Redis Streams',
        workload: 'redis-xadd',
        driver: 'resp',
        acks: null,
        mbPerSec: 100,
      }),
      m({
        target: 'Redis Streams',
        workload: 'redis-xread',
        driver: 'resp',
        acks: null,
        mbPerSec: 300,
      }),
      m({
        target: 'machine ceiling',
        workload: 'ceiling-sendfile',
        driver: 'native',
        acks: null,
        mbPerSec: 2000,
        cpuSecPerGb: 0.1,
      }),
    ],
    notes: ['kcat runs skipped (--no-kcat).'],
  }
}

describe('report', () => {
  it('computes medians, spreads and the requirement checks', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 })
    expect(spread([4, 1])?.median).toBe(2.5)
    expect(spread([null, undefined])).toBeNull()
    const c = checks(canned())
    const byName = new Map(c.map((x) => [x.name, x]))
    expect(byName.get('Produce MB/s vs Redis XADD')?.ratio).toBeCloseTo(3.2)
    expect(byName.get('Produce MB/s vs Redis XADD')?.pass).toBe(true)
    expect(byName.get('Fetch MB/s vs Redis XREAD')?.pass).toBe(false) // 510 / 300 = 1.7
    expect(byName.get('Broker CPU-s/GB fetched vs bare sendfile server')?.ratio).toBeCloseTo(2)
    expect(byName.get('Broker CPU-s/GB produced (samsa perf)')?.pass).toBe(true) // median 0.55
    expect(byName.get('p99 produce latency at 50% of max rate')?.ratio).toBeCloseTo(5.5)
    expect(byName.get('p99 produce latency at 50% of max rate')?.pass).toBe(false)
    expect(byName.get('p99 produce latency at 50% of max rate')?.measured).toBe(
      '5.50 ms (the generator against a sink at the same rate: 1.50 ms)',
    )
  })

  it('reads host steal from /proc/stat as a share of the time between two snapshots', () => {
    const now = hostTimes()
    expect(now).not.toBeNull()
    expect(now?.total).toBeGreaterThan(0)
    expect(now?.steal).toBeGreaterThanOrEqual(0)
    expect(stealPercent({ total: 100, steal: 5 }, { total: 300, steal: 25 })).toBe(10)
    expect(stealPercent({ total: 100, steal: 5 }, { total: 100, steal: 5 })).toBeNull()
    expect(stealPercent(null, now)).toBeNull()
  })

  it('states host steal next to the p99 verdict, which stays over all rounds', () => {
    const r = canned()
    const halves = r.measurements.filter((x) => x.target === 'Samsa' && x.ratePct === 50)
    expect(halves.length).toBe(2)
    ;(halves[0] as Measurement).hostStealPct = 2
    ;(halves[1] as Measurement).hostStealPct = 12
    const p99 = checks(r).find((x) => x.name === 'p99 produce latency at 50% of max rate')
    expect(p99?.pass).toBe(false)
    expect(p99?.measured).toBe(
      '5.50 ms (the generator against a sink at the same rate: 1.50 ms; host steal 7.0 (2.0-12.0)%; ' +
        'the 1 of 2 rounds under 5% steal: 4.00 ms)',
    )
    expect(buildReport(r, 'x').markdown).toContain('| 7.0 (2.0-12.0) |')
    ;(halves[0] as Measurement).hostStealPct = 9
    expect(checks(r).find((x) => x.name.startsWith('p99'))?.measured).toContain('no round under 5%')
  })

  it('renders the table, conditions, verdicts and chart references', () => {
    const { markdown, charts } = buildReport(canned(), 'run1')
    expect(markdown).toContain('- **Apache Kafka**: not measured (no --kafka-home)')
    expect(markdown).toContain(
      '| Samsa | produce, max rate | samsa-perf | 1 | 1024 | 1 | 1000 (1000-1000) | 320.0 (300.0-340.0) |',
    )
    expect(markdown).toContain(
      '| Produce MB/s vs Redis XADD | >= 2.5x | 320.00 vs 100.00 MB/s | 3.20 | PASS |',
    )
    expect(markdown).toContain('FAIL')
    expect(markdown).toContain('kernel default `bbr`')
    expect(markdown).toContain('kcat runs skipped')
    expect(markdown).toContain('leave out the first 1 s of each run')
    expect(charts.map((c) => c.name)).toEqual([
      'run1-produce-max.svg',
      'run1-consume.svg',
      'run1-latency.svg',
    ])
    for (const c of charts) expect(markdown).toContain(`](${c.name})`)
    expect(charts[0]?.svg).toContain('<svg')
  })
})
