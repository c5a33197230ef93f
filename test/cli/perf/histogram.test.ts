import { describe, expect, it } from 'vitest'
import { Histogram } from '../../../src/cli/perf/histogram.js'

describe('perf histogram', () => {
  it('reports exact small values and percentiles within 2% for large ones', () => {
    const h = new Histogram()
    for (let v = 1; v <= 10_000; v++) h.record(v)
    const s = h.summary()
    expect(s.count).toBe(10_000)
    expect(s.min).toBe(1)
    expect(s.max).toBe(10_000)
    expect(s.mean).toBeCloseTo(5000.5, 5)
    expect(s.p50).toBeGreaterThanOrEqual(5000)
    expect(s.p50).toBeLessThanOrEqual(5000 * 1.02)
    expect(s.p99).toBeGreaterThanOrEqual(9900)
    expect(s.p99).toBeLessThanOrEqual(9900 * 1.02)
    const small = new Histogram()
    small.record(42, 3)
    expect(small.summary()).toMatchObject({ count: 3, p50: 42, p999: 42, min: 42, max: 42 })
  })

  it('merges counts', () => {
    const a = new Histogram()
    const b = new Histogram()
    a.record(100, 90)
    b.record(50_000, 10)
    a.merge(b)
    expect(a.count).toBe(100)
    expect(a.percentile(50)).toBe(100)
    expect(a.percentile(95)).toBeGreaterThanOrEqual(50_000)
    expect(a.max).toBe(50_000)
  })
})
