import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  LEADER_EPOCH_CHECKPOINT,
  LeaderEpochCache,
  formatEpochCheckpoint,
  parseEpochCheckpoint,
} from '../../../src/log/leader-epoch-cache.js'
import { realFileSystem } from '../../../src/log/fs.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-epoch-'))
  dirs.push(d)
  return d
}

function cacheWith(entries: [number, number][]): LeaderEpochCache {
  const c = new LeaderEpochCache(realFileSystem, path.join(tmp(), LEADER_EPOCH_CHECKPOINT))
  for (const [e, o] of entries) c.assign(e, o)
  return c
}

describe('LeaderEpochCache', () => {
  it('formats and parses Kafka’s checkpoint text', () => {
    const text = formatEpochCheckpoint([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 120 },
    ])
    expect(text).toBe('0\n2\n0 0\n3 120\n')
    expect(parseEpochCheckpoint(text)).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 3, startOffset: 120 },
    ])
    expect(() => parseEpochCheckpoint('1\n0\n')).toThrow(/version/)
    expect(() => parseEpochCheckpoint('0\n2\n0 0\n')).toThrow(/declares/)
    expect(() => parseEpochCheckpoint('0\n1\n0 x\n')).toThrow(/malformed/)
  })

  it('assign keeps only strictly increasing epochs and offsets', () => {
    const c = cacheWith([
      [0, 0],
      [0, 5],
      [2, 10],
      [4, 20],
    ])
    expect(c.entries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
      { epoch: 4, startOffset: 20 },
    ])
    // A new epoch starting at or before older entries replaces them.
    c.assign(5, 10)
    expect(c.entries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 5, startOffset: 10 },
    ])
    expect(c.latestEpoch).toBe(5)
    expect(c.assign(-1, 30)).toBe(false)
  })

  it('endOffsetFor follows Kafka’s semantics', () => {
    const c = cacheWith([
      [1, 0],
      [3, 10],
      [6, 25],
    ])
    const leo = 40
    expect(c.endOffsetFor(6, leo)).toEqual({ epoch: 6, startOffset: 40 }) // latest: the LEO
    expect(c.endOffsetFor(3, leo)).toEqual({ epoch: 3, startOffset: 25 })
    expect(c.endOffsetFor(4, leo)).toEqual({ epoch: 3, startOffset: 25 }) // unknown: floor epoch
    expect(c.endOffsetFor(0, leo)).toEqual({ epoch: 0, startOffset: 0 }) // older than all
    expect(c.endOffsetFor(7, leo)).toEqual({ epoch: -1, startOffset: -1 }) // newer than all
    expect(c.endOffsetFor(-1, leo)).toEqual({ epoch: -1, startOffset: -1 })
    expect(cacheWith([]).endOffsetFor(0, 5)).toEqual({ epoch: -1, startOffset: -1 })
  })

  it('truncates from the end and from the start', () => {
    const c = cacheWith([
      [1, 0],
      [3, 10],
      [6, 25],
    ])
    c.truncateFromEnd(25)
    expect(c.entries().map((e) => e.epoch)).toEqual([1, 3])
    c.truncateFromEnd(11)
    expect(c.entries().map((e) => e.epoch)).toEqual([1, 3])
    c.truncateFromStart(12)
    expect(c.entries()).toEqual([{ epoch: 3, startOffset: 12 }])
    c.truncateFromStart(5)
    expect(c.entries()).toEqual([{ epoch: 3, startOffset: 12 }])
  })

  it('persists with tmp + rename and reloads', async () => {
    const dir = tmp()
    const c = LeaderEpochCache.load(realFileSystem, dir)
    c.assign(0, 0)
    expect(fs.existsSync(path.join(dir, LEADER_EPOCH_CHECKPOINT))).toBe(false) // not replicated
    c.setPersistent(true)
    c.assign(2, 7)
    await c.flush()
    expect(fs.readFileSync(path.join(dir, LEADER_EPOCH_CHECKPOINT), 'utf8')).toBe(
      '0\n2\n0 0\n2 7\n',
    )
    expect(fs.existsSync(path.join(dir, LEADER_EPOCH_CHECKPOINT + '.tmp'))).toBe(false)
    c.truncateFromEnd(7)
    await c.close()
    const again = LeaderEpochCache.load(realFileSystem, dir)
    expect(again.entries()).toEqual([{ epoch: 0, startOffset: 0 }])
  })
})
