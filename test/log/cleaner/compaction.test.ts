import fs from 'node:fs'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { LogManager } from '../../../src/log/log-manager.js'
import { CLEAN_SHUTDOWN_MARKER } from '../../../src/log/checkpoint.js'
import {
  CLEANER_OFFSET_CHECKPOINT,
  CODEC_GZIP,
  CODEC_LZ4,
  CODEC_SNAPPY,
  CODEC_ZSTD,
  decompress,
  isXerialSnappy,
  compress,
} from '../../../src/log/cleaner/index.js'
import { BatchScanner } from '../../../src/log/batch-scanner.js'
import { realFileSystem } from '../../../src/log/fs.js'
import { LogSegment } from '../../../src/log/segment.js'
import { config, rmDir, tmpDir } from '../helpers.js'
import { compressBatch, keyedBatch, latestByKey, readAll, stallMonitor } from './helpers.js'
import type { LogConfig } from '../../../src/log/log-config.js'

const dirs: string[] = []
const managers: LogManager[] = []
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close()
  for (const d of dirs.splice(0)) rmDir(d)
})

let now = 1_700_000_000_000
async function open(dir: string, defaults: Partial<LogConfig> = {}): Promise<LogManager> {
  const m = await LogManager.open({
    logDirs: [dir],
    defaults: config({ cleanupPolicy: 'compact', ...defaults }),
    clock: () => now,
    cleanerEnable: false,
  })
  managers.push(m)
  return m
}
async function reopen(m: LogManager, dir: string, crash: boolean): Promise<LogManager> {
  managers.splice(managers.indexOf(m), 1)
  await m.close()
  if (crash) fs.rmSync(path.join(dir, CLEAN_SHUTDOWN_MARKER), { force: true })
  return open(dir)
}
function key(i: number): string {
  return `key-${String(i).padStart(4, '0')}`
}
/** 100,000 updates of 1,000 keys in batches of 100; returns the last value of each key. */
function writeUpdates(m: LogManager, total = 100_000, keys = 1000, perBatch = 100) {
  const log = m.create('t', 0, { segmentBytes: 64 * 1024 })
  const last = new Map<string, string>()
  for (let i = 0; i < total; i += perBatch) {
    const recs = []
    for (let j = i; j < i + perBatch; j++) {
      const k = key((j * 7919) % keys)
      const v = `value-${j}`
      recs.push({ key: k, value: v })
      last.set(k, v)
    }
    log.append(keyedBatch(recs, { timestamp: now }))
  }
  return { log, last }
}
function leftovers(dir: string): string[] {
  return fs.readdirSync(path.join(dir, 't-0')).filter((n) => /\.(cleaned|swap)$/.test(n))
}

describe('log compaction', () => {
  it('keeps the latest value of each of 1,000 keys after 100,000 updates, in slices', async () => {
    const dir = tmpDir()
    dirs.push(dir)
    const m = await open(dir)
    const { log, last } = writeUpdates(m)
    const segmentsBefore = log.segmentBaseOffsets().length
    const sizeBefore = log.sizeInBytes()
    const endBefore = log.logEndOffset
    expect(segmentsBefore).toBeGreaterThan(10)
    expect(m.cleaner.dirtyInfo(log).ratio).toBe(1)

    const h = monitorEventLoopDelay({ resolution: 1 })
    h.enable()
    const stalls = stallMonitor()
    const stats = await m.cleaner.cleanLog(log)
    const own = stalls.stop()
    h.disable()
    const maxStallMs = h.max / 1e6
    // An unsliced pass over this log stalls for over a second. The raw delay includes the time
    // the process waits for a CPU on a shared 2-core machine: a loose bound.
    expect(maxStallMs).toBeLessThan(100)
    // Without that wait: the cleaner works in 2 ms slices (at most two per loop iteration) with
    // every file read, write, sync, create and close off the loop; 99% of the timer's gaps stay
    // at a few ms (measured 5-9 ms with other builds running). The longest may add a major GC of
    // the test worker's heap and the synchronous renames/opens of a swap, which wait for the
    // journal when the disk is busy (measured 9-42 ms): bounded with room for a loaded machine.
    expect(own.samples).toBeGreaterThan(50)
    expect(own.p99Ms).toBeLessThan(15)
    expect(own.maxMs).toBeLessThan(60)
    expect(stats).not.toBeNull()
    expect(stats!.recordsIn).toBeGreaterThan(90_000)
    expect(stats!.recordsKept).toBeLessThan(2000)

    expect(log.sizeInBytes()).toBeLessThan(sizeBefore / 5)
    expect(log.logEndOffset).toBe(endBefore)
    const records = await readAll(log)
    expect(latestByKey(records)).toEqual(last)
    // Outside the active segment each key appears at most once; offsets strictly increase.
    const activeBase = log.segmentBaseOffsets().at(-1)!
    const seen = new Set<string>()
    let prev = -1
    for (const r of records) {
      expect(r.offset).toBeGreaterThan(prev)
      prev = r.offset
      if (r.offset >= activeBase) continue
      expect(seen.has(r.key!)).toBe(false)
      seen.add(r.key!)
    }
    expect(leftovers(dir)).toEqual([])
    // The checkpoint records the end of the cleaned range; nothing is dirty any more.
    const cp = fs.readFileSync(path.join(dir, CLEANER_OFFSET_CHECKPOINT), 'utf8')
    expect(cp).toBe(`0\n1\nt 0 ${activeBase}\n`)
    expect(m.cleaner.dirtyInfo(log).dirtyBytes).toBe(0)
    expect(await m.cleaner.cleanLog(log)).toBeNull()

    // Reopened (cleanly and after a crash) the log reads the same.
    for (const crash of [false, true]) {
      const m2 = await reopen(managers[0], dir, crash)
      const log2 = m2.get('t', 0)!
      expect(log2.logEndOffset).toBe(endBefore)
      expect(latestByKey(await readAll(log2))).toEqual(last)
      expect(m2.cleaner.dirtyInfo(log2).firstDirtyOffset).toBe(activeBase)
    }
  })

  it('honours min.cleanable.dirty.ratio and never touches the active segment', async () => {
    const dir = tmpDir()
    dirs.push(dir)
    const m = await open(dir)
    const { log } = writeUpdates(m, 20_000, 100)
    await m.cleaner.cleanLog(log)
    const cleanBytes = m.cleaner.dirtyInfo(log).cleanBytes
    // More data: rolls new segments, which are dirty.
    const activeBefore = log.segmentBaseOffsets().at(-1)!
    for (let i = 0; i < 30; i++)
      log.append(keyedBatch([{ key: key(i), value: `late-${i}`.padEnd(4000, '.') }]))
    const info = m.cleaner.dirtyInfo(log)
    expect(info.cleanBytes).toBe(cleanBytes)
    expect(info.dirtyBytes).toBeGreaterThan(0)
    expect(info.ratio).toBeCloseTo(info.dirtyBytes / (info.dirtyBytes + info.cleanBytes))
    log.config = { ...log.config, minCleanableDirtyRatio: info.ratio + 0.001 }
    expect(await m.cleaner.cleanLog(log)).toBeNull()
    const sizeActive = fs.statSync(
      path.join(log.dir, `${String(activeBefore).padStart(20, '0')}.log`),
    ).size
    log.config = { ...log.config, minCleanableDirtyRatio: info.ratio - 0.001 }
    const stats = await m.cleaner.cleanLog(log)
    expect(stats?.endOffset).toBe(log.segmentBaseOffsets().at(-1))
    expect(log.logEndOffset).toBe(20_030)
    const recs = await readAll(log)
    for (let i = 0; i < 30; i++)
      expect(latestByKey(recs).get(key(i))).toBe(`late-${i}`.padEnd(4000, '.'))
    expect(sizeActive).toBeGreaterThan(0)
  })

  it('removes tombstones only after delete.retention.ms', async () => {
    const dir = tmpDir()
    dirs.push(dir)
    const m = await open(dir, { deleteRetentionMs: 60_000, segmentBytes: 300 })
    const log = m.create('t', 0)
    const t0 = now
    log.append(
      keyedBatch(
        [
          { key: 'a', value: 'a1' },
          { key: 'b', value: 'b1' },
        ],
        { timestamp: t0 },
      ),
    )
    log.append(keyedBatch([{ key: 'a', value: null }], { timestamp: t0 }))
    for (let i = 0; i < 6; i++)
      log.append(keyedBatch([{ key: `x${i}`, value: 'filler-'.repeat(20) }], { timestamp: t0 }))
    now = t0 + 1000
    await m.cleaner.cleanLog(log, { force: true })
    let latest = latestByKey(await readAll(log))
    expect(latest.has('a')).toBe(true)
    expect(latest.get('a')).toBeNull()
    expect(latest.get('b')).toBe('b1')
    expect((await readAll(log)).filter((r) => r.key === 'a')).toHaveLength(1)

    now = t0 + 61_000
    const stats = await m.cleaner.cleanLog(log, { force: true })
    expect(stats?.tombstonesRemoved).toBe(1)
    latest = latestByKey(await readAll(log))
    expect(latest.has('a')).toBe(false)
    expect(latest.get('b')).toBe('b1')
    now = t0
  })

  it('keeps the last batch of a producer as an empty batch', async () => {
    const dir = tmpDir()
    dirs.push(dir)
    const m = await open(dir, { segmentBytes: 200 })
    const log = m.create('t', 0)
    log.append(keyedBatch([{ key: 'a', value: '1' }], { producerId: 7, epoch: 0, seq: 0 }))
    log.append(keyedBatch([{ key: 'b', value: '1' }], { producerId: 8, epoch: 0, seq: 0 }))
    log.append(keyedBatch([{ key: 'a', value: '2' }], { producerId: 8, epoch: 0, seq: 1 }))
    log.append(keyedBatch([{ key: 'b', value: '2' }]))
    log.append(keyedBatch([{ key: 'c', value: '1' }]))
    await m.cleaner.cleanLog(log, { force: true })
    const r = log.read(0, 1 << 20)
    const bytes = (await import('../helpers.js')).readRegions(r.regions)
    r.release()
    const batches: { base: number; count: number; pid: number }[] = []
    for (let p = 0; p < bytes.length; p += bytes.readInt32BE(p + 8) + 12) {
      batches.push({
        base: Number(bytes.readBigInt64BE(p)),
        count: bytes.readInt32BE(p + 57),
        pid: Number(bytes.readBigInt64BE(p + 43)),
      })
    }
    // Producer 7's only batch lost its record but stays (empty); producer 8's first batch goes.
    expect(batches[0]).toEqual({ base: 0, count: 0, pid: 7 })
    expect(batches.some((b) => b.base === 1)).toBe(false)
    expect(latestByKey(await readAll(log))).toEqual(
      new Map([
        ['a', '2'],
        ['b', '2'],
        ['c', '1'],
      ]),
    )
  })

  for (const [name, codec, xerial] of [
    ['gzip', CODEC_GZIP, false],
    ['snappy', CODEC_SNAPPY, false],
    ['snappy (xerial framing)', CODEC_SNAPPY, true],
    ['lz4', CODEC_LZ4, false],
    ['zstd', CODEC_ZSTD, false],
  ] as const) {
    it(`round-trips ${name} batches through compaction in the same codec`, async () => {
      const dir = tmpDir()
      dirs.push(dir)
      const m = await open(dir, { segmentBytes: 2048 })
      const log = m.create('t', 0)
      const last = new Map<string, string>()
      for (let i = 0; i < 60; i++) {
        const recs = []
        for (let j = 0; j < 10; j++) {
          const k = key((i * 10 + j) % 25)
          recs.push({ key: k, value: `v${i}-${j}-`.padEnd(40, 'z') })
          last.set(k, `v${i}-${j}-`.padEnd(40, 'z'))
        }
        log.append(await compressBatch(keyedBatch(recs), codec, xerial))
      }
      const stats = await m.cleaner.cleanLog(log, { force: true })
      expect(stats!.recordsKept).toBeLessThan(stats!.recordsIn)
      const recs = await readAll(log)
      expect(recs.every((r) => r.codec === codec)).toBe(true)
      expect(latestByKey(recs)).toEqual(last)
      if (xerial) {
        const r = log.read(0, 1 << 20)
        const bytes = (await import('../helpers.js')).readRegions(r.regions)
        r.release()
        expect(isXerialSnappy(bytes.subarray(61, bytes.readInt32BE(8) + 12))).toBe(true)
      }
    })
  }

  it('decodes raw and xerial-framed snappy alike', async () => {
    const data = Buffer.from('kafka '.repeat(20_000))
    for (const xerialSnappy of [false, true]) {
      const c = await compress(CODEC_SNAPPY, data, { xerialSnappy })
      expect(isXerialSnappy(c)).toBe(xerialSnappy)
      expect((await decompress(CODEC_SNAPPY, c)).equals(data)).toBe(true)
    }
  })

  for (const step of ['cleaned', 'swap', 'replacing'] as const) {
    it(`leaves a readable log when the cleaner dies at step "${step}"`, async () => {
      const dir = tmpDir()
      dirs.push(dir)
      const m = await open(dir)
      const { log, last } = writeUpdates(m, 20_000, 200)
      const end = log.logEndOffset
      await expect(
        m.cleaner.cleanLog(log, {
          force: true,
          onStep: (s) => {
            if (s === step) throw new Error('simulated crash')
          },
        }),
      ).rejects.toThrow(step === 'replacing' ? 'clean failed' : 'simulated crash')
      const names = fs.readdirSync(log.dir)
      if (step === 'cleaned') expect(names.some((n) => n.endsWith('.log.cleaned'))).toBe(true)
      else expect(names.some((n) => n.endsWith('.log.swap'))).toBe(true)
      const m2 = await reopen(m, dir, true)
      const log2 = m2.get('t', 0)!
      expect(leftovers(dir)).toEqual([])
      expect(log2.logEndOffset).toBe(end)
      expect(latestByKey(await readAll(log2))).toEqual(last)
      // The interrupted work is finished by the next pass.
      await m2.cleaner.cleanLog(log2, { force: true })
      expect(latestByKey(await readAll(log2))).toEqual(last)
    })
  }

  it('applies retention too with cleanup.policy=compact,delete', async () => {
    const dir = tmpDir()
    dirs.push(dir)
    const m = await open(dir, {
      cleanupPolicy: 'compact,delete',
      retentionMs: 10_000,
      segmentBytes: 300,
    })
    const log = m.create('t', 0)
    const t0 = now
    for (let i = 0; i < 10; i++)
      log.append(keyedBatch([{ key: `k${i}`, value: 'x'.repeat(100) }], { timestamp: t0 + i }))
    const segments = log.segmentBaseOffsets().length
    now = t0 + 20_000
    await m.runRetention()
    expect(log.segmentBaseOffsets()).toHaveLength(1)
    expect(segments).toBeGreaterThan(1)
    expect(log.logStartOffset).toBeGreaterThan(0)
    now = t0
    // And a compact-only topic keeps everything.
    const log2 = m.create('u', 0, { cleanupPolicy: 'compact' })
    for (let i = 0; i < 10; i++)
      log2.append(keyedBatch([{ key: `k${i}`, value: 'x'.repeat(100) }], { timestamp: t0 + i }))
    now = t0 + 20_000
    await m.runRetention()
    expect(log2.logStartOffset).toBe(0)
    now = t0
  })

  it('runs from the LogManager schedule when log.cleaner.enable is on', async () => {
    const dir = tmpDir()
    dirs.push(dir)
    const m = await LogManager.open({
      logDirs: [dir],
      defaults: config({ cleanupPolicy: 'compact' }),
      cleanerBackoffMs: 20,
    })
    managers.push(m)
    const log = m.create('t', 0, { segmentBytes: 1024 })
    for (let i = 0; i < 200; i++) log.append(keyedBatch([{ key: key(i % 5), value: `v${i}` }]))
    const before = log.sizeInBytes()
    for (let i = 0; i < 200 && !fs.existsSync(path.join(dir, CLEANER_OFFSET_CHECKPOINT)); i++)
      await new Promise((r) => setTimeout(r, 10))
    expect(log.sizeInBytes()).toBeLessThan(before)
    expect(latestByKey(await readAll(log)).get(key(4))).toBe('v199')
  })

  it('writes the indexes of a cleaned segment as the log itself would index its batches', async () => {
    const dir = tmpDir()
    dirs.push(dir)
    const m = await open(dir, { indexIntervalBytes: 700 })
    const log = m.create('t', 0, { segmentBytes: 32 * 1024 })
    const t0 = now
    // Timestamps go up and down, so the time index keeps only new maxima.
    for (let i = 0; i < 600; i++) {
      const recs = []
      for (let j = 0; j < 5; j++) recs.push({ key: key((i * 5 + j) % 300), value: `v${i}-${j}` })
      log.append(keyedBatch(recs, { timestamp: t0 + (i % 7) * 1000 + i }))
    }
    const stats = await m.cleaner.cleanLog(log, { force: true })
    expect(stats!.segmentsOut).toBeGreaterThan(0)
    const copy = tmpDir()
    dirs.push(copy)
    let withEntries = 0
    for (const seg of log.inactiveSegments()) {
      const own = LogSegment.paths(log.dir, seg.baseOffset)
      const ref = LogSegment.paths(copy, seg.baseOffset)
      fs.copyFileSync(own.log, ref.log)
      // A reference: the same batches indexed by a segment of the log, from scratch.
      const rebuilt = LogSegment.open(realFileSystem, copy, seg.baseOffset, log.config, true, now)
      rebuilt.scan(new BatchScanner(realFileSystem), log.config.indexIntervalBytes, true)
      rebuilt.seal()
      rebuilt.close()
      expect(fs.readFileSync(own.index)).toEqual(fs.readFileSync(ref.index))
      expect(fs.readFileSync(own.timeIndex)).toEqual(fs.readFileSync(ref.timeIndex))
      if (fs.statSync(own.index).size >= 16 && fs.statSync(own.timeIndex).size >= 24) withEntries++
      // And reads through the index find each surviving batch.
      expect(seg.index.entries).toBe(fs.statSync(own.index).size / 8)
    }
    expect(withEntries).toBeGreaterThan(0)
    const records = await readAll(log)
    expect(latestByKey(records).size).toBe(300)
  })

  it('closes and unlinks replaced segments of 1 MiB and more in the background', async () => {
    const dir = tmpDir()
    dirs.push(dir)
    const m = await open(dir, { fileDeleteDelayMs: 0 })
    const log = m.create('t', 0, { segmentBytes: 2 * 1024 * 1024 })
    for (let i = 0; i < 600; i++) {
      const recs = []
      for (let j = 0; j < 10; j++) recs.push({ key: key(j), value: `v${i}`.padEnd(1000, '.') })
      log.append(keyedBatch(recs, { timestamp: now }))
    }
    const replaced = log.inactiveSegments()
    expect(replaced.length).toBeGreaterThan(1)
    expect(replaced[0].size).toBeGreaterThanOrEqual(1024 * 1024)
    const stats = await m.cleaner.cleanLog(log, { force: true })
    expect(stats!.segmentsIn).toBe(replaced.length)
    // Replaced segments are renamed `.deleted`, unlinked, and their fds closed off the loop.
    const openDeleted = (): string[] =>
      fs
        .readdirSync('/proc/self/fd')
        .map((fd) => {
          try {
            return fs.readlinkSync(path.join('/proc/self/fd', fd))
          } catch {
            return ''
          }
        })
        .filter((target) => target.startsWith(log.dir) && target.includes('.deleted'))
    for (let i = 0; i < 200 && openDeleted().length > 0; i++)
      await new Promise((r) => setTimeout(r, 10))
    expect(openDeleted()).toEqual([])
    expect(fs.readdirSync(log.dir).filter((n) => n.includes('.deleted'))).toEqual([])
    expect(latestByKey(await readAll(log)).get(key(3))).toBe('v599'.padEnd(1000, '.'))

    // With file.delete.delay.ms the unlink comes later, also in the background. The delay is
    // long enough that the files are surely still there when cleanLog returns on a busy machine.
    log.config = { ...log.config, fileDeleteDelayMs: 500 }
    for (let i = 0; i < 600; i++)
      log.append(keyedBatch([{ key: key(i % 10), value: `w${i}`.padEnd(4000, '.') }]))
    await m.cleaner.cleanLog(log, { force: true })
    const deleted = (): string[] => fs.readdirSync(log.dir).filter((n) => n.includes('.deleted'))
    expect(deleted().length).toBeGreaterThan(0)
    for (let i = 0; i < 400 && deleted().length > 0; i++)
      await new Promise((r) => setTimeout(r, 10))
    expect(deleted()).toEqual([])
    expect(openDeleted()).toEqual([])
  })
})
