// Tail reads answered from the active segment's in-memory batch positions must be exactly what
// the header-scanning read returns.
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RealFileSystem, realFileSystem } from '../../src/log/fs.js'
import type { FileSystem } from '../../src/log/fs.js'
import { PartitionLog } from '../../src/log/partition-log.js'
import { RecentBatches } from '../../src/log/recent-batches.js'
import { batch, config, rmDir, tmpDir } from './helpers.js'

describe('RecentBatches', () => {
  it('finds the first batch ending at or after an offset, across the ring wrap', () => {
    const r = new RecentBatches()
    // 300 batches of 10 offsets, 100 bytes each: the ring keeps the newest 256.
    for (let i = 0; i < 300; i++) r.push(i * 10, i * 10 + 9, i * 100, 100, i * 100)
    expect(r.count).toBe(256)
    expect(r.baseOffset(0)).toBe(440)
    expect(r.find(439)).toBe(-1) // older than what is held
    expect(r.find(440)).toBe(0)
    expect(r.find(445)).toBe(0)
    expect(r.find(450)).toBe(1)
    expect(r.find(2999)).toBe(255)
    expect(r.find(3000)).toBe(-1) // past the end
    expect(r.position(1)).toBe(4500)
    expect(r.size(255)).toBe(100)
    // Batch i (held at index i - 44) was appended at i * 100 ms: at 30 s, batches from 20 s on
    // (i >= 200) are recent.
    expect(r.isRecent(255, 30_000)).toBe(true)
    expect(r.isRecent(156, 30_000)).toBe(true)
    expect(r.isRecent(155, 30_000)).toBe(false)
    r.clear()
    expect(r.find(2999)).toBe(-1)
  })
})

describe('PartitionLog tail reads', () => {
  let root: string
  const open: PartitionLog[] = []
  beforeEach(() => {
    root = tmpDir()
  })
  afterEach(async () => {
    for (const log of open.splice(0)) await log.close().catch(() => {})
    rmDir(root)
  })

  let reads = 0
  class CountingFileSystem extends RealFileSystem {
    override read(...a: Parameters<RealFileSystem['read']>): number {
      reads++
      return super.read(...a)
    }
  }
  const counting = new CountingFileSystem()
  const options = (fs: FileSystem = realFileSystem) => ({
    topic: 't',
    partition: 0,
    dir: path.join(root, 't-0'),
    config: config({ segmentBytes: 256 << 10, indexIntervalBytes: 4096 }),
    fs,
    clock: Date.now,
  })

  const shape = (log: PartitionLog, offset: number, maxBytes: number, maxOffset?: number) => {
    const r = log.read(offset, maxBytes, { maxOffset })
    r.release()
    return { bytes: r.bytes, regions: r.regions.map((x) => [x.position, x.length]) }
  }

  it('match the header-scanning read for every offset, byte limit and max offset', async () => {
    const log = PartitionLog.create(options(counting))
    // Batches of 1-9 records and varying sizes, over several segment rolls.
    for (let i = 0; i < 400; i++) log.append(batch(1 + (i % 9), { size: 50 + ((i * 37) % 700) }))
    const end = log.logEndOffset
    const active = log.segmentBaseOffsets().at(-1) ?? 0
    expect(active).toBeGreaterThan(0)
    const fromMemory = new Map<string, ReturnType<typeof shape>>()
    const cases: [number, number, number | undefined][] = []
    for (let o = active - 3; o < end; o += 1)
      for (const maxBytes of [1, 900, 5000, 1 << 20])
        for (const maxOffset of [undefined, end - 5]) cases.push([o, maxBytes, maxOffset])
    reads = 0
    for (const [o, b, m] of cases) fromMemory.set(`${o}/${b}/${m}`, shape(log, o, b, m))
    // Only the three offsets before the active segment needed headers from the file.
    expect(reads).toBeGreaterThan(0)
    expect(reads).toBeLessThanOrEqual(3 * 8 * 4)
    reads = 0
    shape(log, end - 1, 1 << 20)
    expect(reads).toBe(0)
    // Just appended: marked recent (page-cached), so it may be sent from the event loop.
    const tail = log.read(end - 1, 1 << 20)
    tail.release()
    expect(tail.regions.map((r) => r.recent)).toEqual([true])
    await log.close()
    // Reloaded, the active segment remembers no batches: every read scans headers.
    const again = await PartitionLog.load(options(), {
      clean: true,
      recoveryPoint: end,
      logStartOffset: 0,
      highWatermark: end,
    })
    open.push(again)
    for (const [o, b, m] of cases)
      expect(shape(again, o, b, m)).toEqual(fromMemory.get(`${o}/${b}/${m}`))
  })
})
