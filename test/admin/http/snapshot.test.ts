// The dashboard's throughput history: per-second rates from growing totals, bounded length.
import { describe, expect, it } from 'vitest'
import { ThroughputHistory } from '../../../src/admin/http/snapshot.js'

describe('ThroughputHistory', () => {
  it('turns total deltas into per-second rates', () => {
    const h = new ThroughputHistory()
    h.sample({ bytesIn: 0, bytesOut: 0, messagesIn: 0 }, 10_000)
    expect(h.list()).toEqual([])
    h.sample({ bytesIn: 2000, bytesOut: 500, messagesIn: 20 }, 12_000)
    h.sample({ bytesIn: 2000, bytesOut: 1500, messagesIn: 20 }, 12_500)
    expect(h.list()).toEqual([
      { t: 12_000, bytesInPerSec: 1000, bytesOutPerSec: 250, messagesInPerSec: 10 },
      { t: 12_500, bytesInPerSec: 0, bytesOutPerSec: 2000, messagesInPerSec: 0 },
    ])
  })

  it('ignores a clock that does not advance and keeps only the newest points', () => {
    const h = new ThroughputHistory(3)
    for (let i = 0; i <= 5; i++) h.sample({ bytesIn: i * 10, bytesOut: 0, messagesIn: i }, i * 1000)
    h.sample({ bytesIn: 999, bytesOut: 0, messagesIn: 99 }, 5000)
    const pts = h.list()
    expect(pts.map((p) => p.t)).toEqual([3000, 4000, 5000])
    expect(pts.every((p) => p.bytesInPerSec === 10 && p.messagesInPerSec === 1)).toBe(true)
  })
})
