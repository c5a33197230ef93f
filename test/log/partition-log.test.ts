import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { realFileSystem } from '../../src/log/fs.js'
import { PartitionLog } from '../../src/log/partition-log.js'
import {
  batchMaxTimestamp,
  batchCrcValid,
  ATTR_TIMESTAMP_TYPE,
} from '../../src/log/record-batch.js'
import {
  batch,
  batchOffsets,
  config,
  errName,
  fdTarget,
  readRegions,
  rmDir,
  tmpDir,
} from './helpers.js'
import type { LogConfig } from '../../src/log/log-config.js'

let dir: string
let now = 1_000_000
const logs: PartitionLog[] = []
beforeEach(() => {
  dir = tmpDir()
  now = 1_000_000
})
afterEach(async () => {
  for (const l of logs.splice(0)) await l.close().catch(() => {})
  rmDir(dir)
})

function open(overrides: Partial<LogConfig> = {}): PartitionLog {
  const log = PartitionLog.create({
    topic: 't',
    partition: 0,
    dir: path.join(dir, 't-0'),
    config: config(overrides),
    fs: realFileSystem,
    clock: () => now,
  })
  logs.push(log)
  return log
}

describe('PartitionLog append/read', () => {
  it('round-trips across segment rolls; a read inside a batch starts at the containing batch', async () => {
    const log = open({ segmentBytes: 2000, indexIntervalBytes: 200 })
    const sizes: number[] = []
    const firsts: number[] = []
    for (let i = 0; i < 60; i++) {
      const n = 1 + (i % 7)
      const b = batch(n, { tag: `b${i}`, size: 20 })
      sizes.push(n)
      const info = log.append(b)
      firsts.push(info.firstOffset)
      expect(info.lastOffset - info.firstOffset).toBe(n - 1)
      expect(info.duplicate).toBe(false)
    }
    const total = sizes.reduce((a, b) => a + b, 0)
    expect(log.logEndOffset).toBe(total)
    expect(log.segmentBaseOffsets().length).toBeGreaterThan(5)
    // File names are 20-digit base offsets with their indexes. The active segment's index files
    // are created on the thread pool; a flush is the point by which they exist.
    await log.flush()
    const names = fs.readdirSync(path.join(dir, 't-0'))
    for (const base of log.segmentBaseOffsets()) {
      const stem = String(base).padStart(20, '0')
      expect(names).toContain(`${stem}.log`)
      expect(names).toContain(`${stem}.index`)
      expect(names).toContain(`${stem}.timeindex`)
    }
    const all = log.read(0, 10 ** 9)
    expect(batchOffsets(readRegions(all.regions))).toEqual(firsts)
    expect(all.regions.length).toBe(log.segmentBaseOffsets().length)
    all.release()
    for (let off = 0; off < total; off++) {
      const r = log.read(off, 1)
      const got = readRegions(r.regions)
      const containing = firsts.filter((f) => f <= off).pop()
      expect(batchOffsets(got)).toEqual([containing])
      expect(r.bytes).toBe(got.length)
      r.release()
    }
  })

  it('honours maxBytes, minOneBatch and maxOffset', () => {
    const log = open()
    const a = batch(3, { size: 100 })
    const sizeA = a.length
    log.append(a)
    log.append(batch(2, { size: 100 }))
    log.append(batch(4, { size: 100 }))
    expect(log.read(0, 10).bytes).toBe(sizeA) // minOneBatch default: one whole batch
    expect(log.read(0, 10, { minOneBatch: false }).bytes).toBe(0)
    expect(batchOffsets(readRegions(log.read(0, sizeA * 2 + 50).regions))).toEqual([0, 3])
    expect(batchOffsets(readRegions(log.read(0, 10 ** 6, { maxOffset: 5 }).regions))).toEqual([
      0, 3,
    ])
    expect(batchOffsets(readRegions(log.read(0, 10 ** 6, { maxOffset: 3 }).regions))).toEqual([0])
    expect(log.read(3, 10 ** 6, { maxOffset: 3 }).bytes).toBe(0)
    expect(log.read(9, 100).bytes).toBe(0)
    expect(errName(() => log.read(10, 100))).toBe('OFFSET_OUT_OF_RANGE')
    expect(errName(() => log.read(-1, 100))).toBe('OFFSET_OUT_OF_RANGE')
  })

  it('rejects invalid input without writing anything', () => {
    const log = open({ maxMessageBytes: 500 })
    const bad = batch(2)
    bad[bad.length - 3] ^= 0x40
    expect(errName(() => log.append(bad))).toBe('CORRUPT_MESSAGE')
    expect(errName(() => log.append(batch(10, { size: 100 })))).toBe('MESSAGE_TOO_LARGE')
    // One valid batch followed by a truncated one: the whole append is refused.
    const two = Buffer.concat([batch(1), batch(1).subarray(0, 40)])
    expect(errName(() => log.append(two))).toBe('CORRUPT_MESSAGE')
    expect(log.logEndOffset).toBe(0)
    expect(log.sizeInBytes()).toBe(0)
    expect(log.offline).toBe(false)
  })

  it('assigns offsets to several batches of one append with one write', () => {
    const log = open()
    log.append(batch(2))
    const info = log.append(Buffer.concat([batch(3), batch(1), batch(2)]))
    expect(info).toMatchObject({ firstOffset: 2, lastOffset: 7, logAppendTime: -1 })
    expect(batchOffsets(readRegions(log.read(0, 10 ** 6).regions))).toEqual([0, 2, 5, 6])
  })

  it('answers an idempotent retry from producer state and checks sequences', () => {
    const log = open()
    const first = batch(3, { producerId: 42, epoch: 1, seq: 0 })
    const retry = Buffer.from(first)
    expect(log.append(first).firstOffset).toBe(0)
    log.append(batch(2))
    const size = log.sizeInBytes()
    const dup = log.append(retry)
    expect(dup).toMatchObject({ firstOffset: 0, lastOffset: 2, duplicate: true })
    expect(log.sizeInBytes()).toBe(size)
    expect(errName(() => log.append(batch(1, { producerId: 42, epoch: 1, seq: 5 })))).toBe(
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
    )
    expect(errName(() => log.append(batch(1, { producerId: 42, epoch: 0, seq: 3 })))).toBe(
      'INVALID_PRODUCER_EPOCH',
    )
    expect(log.append(batch(1, { producerId: 42, epoch: 1, seq: 3 })).firstOffset).toBe(5)
    expect(log.logEndOffset).toBe(6)
  })

  it('stamps LogAppendTime and keeps the CRC valid', () => {
    const log = open({ messageTimestampType: 'LogAppendTime' })
    now = 5_555_555
    const info = log.append(batch(2, { timestamp: 10 }))
    expect(info.logAppendTime).toBe(5_555_555)
    const bytes = readRegions(log.read(0, 10 ** 6).regions)
    expect(batchMaxTimestamp(bytes, 0)).toBe(5_555_555)
    expect(bytes.readInt16BE(21) & ATTR_TIMESTAMP_TYPE).toBe(ATTR_TIMESTAMP_TYPE)
    expect(batchCrcValid(bytes, 0, bytes.length)).toBe(true)
  })

  it('finds offsets by timestamp and the max timestamp', () => {
    const log = open({ segmentBytes: 1500, indexIntervalBytes: 100 })
    for (let i = 0; i < 40; i++) log.append(batch(2, { timestamp: 1000 + i * 10, size: 30 }))
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 })
    expect(log.offsetForTimestamp(1000 + 17 * 10)).toEqual({ offset: 34, timestamp: 1170 })
    expect(log.offsetForTimestamp(1000 + 17 * 10 - 3)).toEqual({ offset: 34, timestamp: 1170 })
    expect(log.offsetForTimestamp(99_999)).toBeNull()
    expect(log.maxTimestampOffset()).toEqual({ offset: 79, timestamp: 1390 })
  })

  it('rolls on segment.ms using the injected clock', () => {
    const log = open({ segmentMs: 1000 })
    log.append(batch(1))
    now += 500
    log.append(batch(1))
    expect(log.segmentBaseOffsets()).toEqual([0])
    now += 600
    log.append(batch(1))
    expect(log.segmentBaseOffsets()).toEqual([0, 2])
  })

  it('deletes by time, by size and before an offset, never the active segment', () => {
    const log = open({ segmentBytes: 1000, retentionMs: 10_000 })
    for (let i = 0; i < 30; i++) log.append(batch(2, { timestamp: now + i, size: 60 }))
    const segs = log.segmentBaseOffsets()
    expect(segs.length).toBeGreaterThan(4)
    expect(log.deleteOldSegments(now + 5_000)).toBe(0)
    now += 20_000
    expect(log.deleteOldSegments(now)).toBe(segs.length - 1)
    expect(log.segmentBaseOffsets()).toEqual([segs[segs.length - 1]])
    expect(log.logStartOffset).toBe(segs[segs.length - 1])
    expect(errName(() => log.read(0, 100))).toBe('OFFSET_OUT_OF_RANGE')
    const deleted = String(segs[0]).padStart(20, '0')
    expect(fs.existsSync(path.join(dir, 't-0', `${deleted}.log`))).toBe(false)
    expect(fs.existsSync(path.join(dir, 't-0', `${deleted}.index`))).toBe(false)

    const log2 = PartitionLog.create({
      topic: 'u',
      partition: 1,
      dir: path.join(dir, 'u-1'),
      config: config({ segmentBytes: 1000, retentionBytes: 2500 }),
      fs: realFileSystem,
      clock: () => now,
    })
    logs.push(log2)
    for (let i = 0; i < 30; i++) log2.append(batch(2, { size: 60 }))
    const full = log2.sizeInBytes()
    expect(log2.deleteOldSegments()).toBeGreaterThan(0)
    // Kafka's rule: delete the oldest segment while the rest still holds retention.bytes.
    const firstSize = fs.statSync(
      path.join(dir, 'u-1', String(log2.segmentBaseOffsets()[0]).padStart(20, '0') + '.log'),
    ).size
    expect(log2.sizeInBytes()).toBeLessThan(full)
    expect(log2.sizeInBytes()).toBeGreaterThanOrEqual(2500)
    expect(log2.sizeInBytes() - firstSize).toBeLessThan(2500)
    const before = log2.segmentBaseOffsets()
    expect(log2.deleteRecordsBefore(before[1] + 1)).toBe(before[1] + 1)
    expect(log2.segmentBaseOffsets()).toEqual(before.slice(1))
    expect(errName(() => log2.read(before[1], 10))).toBe('OFFSET_OUT_OF_RANGE')
    // Reading at the new log start returns the batch that contains it.
    expect(batchOffsets(readRegions(log2.read(before[1] + 1, 1).regions))).toEqual([before[1]])
    expect(errName(() => log2.deleteRecordsBefore(10 ** 6))).toBe('OFFSET_OUT_OF_RANGE')
  })

  it('truncateTo waits for pinned reads (R9), then cuts at a batch boundary', async () => {
    const log = open({ segmentBytes: 800 })
    for (let i = 0; i < 20; i++) log.append(batch(2, { size: 40 }))
    const pinnedRead = log.read(30, 10 ** 6)
    let done = false
    const t = log.truncateTo(31).then(() => {
      done = true
    })
    await new Promise((r) => setTimeout(r, 30))
    expect(done).toBe(false)
    expect(log.logEndOffset).toBe(40)
    pinnedRead.release()
    await t
    expect(log.logEndOffset).toBe(30)
    const after = log.read(26, 10 ** 6)
    expect(batchOffsets(readRegions(after.regions))).toEqual([26, 28])
    after.release()
    expect(log.append(batch(1)).firstOffset).toBe(30)
    await log.truncateTo(3)
    expect(log.logEndOffset).toBe(2)
    expect(log.segmentBaseOffsets()).toEqual([0])
  })

  it('keeps a deleted segment fd open while a read pins it', async () => {
    const log = open({ segmentBytes: 500, retentionMs: 1 })
    for (let i = 0; i < 10; i++) log.append(batch(2, { size: 40, timestamp: 1 }))
    const r = log.read(0, 100)
    const fd = r.regions[0].fd
    const target = (): string | null => fdTarget(fd)
    const segmentPath = target()
    expect(segmentPath).toMatch(/0{20}\.log$/)
    now += 10_000
    expect(log.deleteOldSegments()).toBeGreaterThan(0)
    expect(readRegions(r.regions).length).toBe(r.bytes) // fd still valid
    expect(target()).toContain(' (deleted)')
    r.release()
    // A sealed segment's tail cut runs on the thread pool and its close waits for it; "closed"
    // means the number no longer names the segment (it may already belong to a new file).
    const namesDeletedFile = (): boolean => target()?.startsWith(segmentPath ?? '') === true
    await vi.waitFor(() => expect(namesDeletedFile()).toBe(false), { timeout: 5000 })
  })
})
