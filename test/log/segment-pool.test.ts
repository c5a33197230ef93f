// Recycled segment files: a deleted log's file becomes a new segment's file, and its old bytes
// never come back as data, neither after a process crash nor after a machine restart.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RealFileSystem, realFileSystem } from '../../src/log/fs.js'
import { LogManager } from '../../src/log/log-manager.js'
import { PartitionLog } from '../../src/log/partition-log.js'
import {
  POOL_DIR,
  SegmentPool,
  machineRestarted,
  recordBootId,
} from '../../src/log/segment-pool.js'
import { batch, batchOffsets, config, fdTarget, readRegions, rmDir, tmpDir } from './helpers.js'

let root: string
let pool: SegmentPool
const open: PartitionLog[] = []
beforeEach(() => {
  root = tmpDir()
  pool = new SegmentPool(realFileSystem, root, 64 << 20)
  pool.init()
})
afterEach(async () => {
  for (const log of open.splice(0)) await log.close().catch(() => {})
  pool.close()
  rmDir(root)
})

const cfg = config({ segmentBytes: 8 << 20 })
const options = (topic: string, c = cfg) => ({
  topic,
  partition: 0,
  dir: path.join(root, `${topic}-0`),
  config: c,
  fs: realFileSystem,
  clock: Date.now,
  pool,
})

/** Loads the log as a restart after a process crash would (page cache intact, nothing flushed). */
function afterProcessCrash(topic: string): Promise<PartitionLog> {
  return PartitionLog.load(options(topic), {
    clean: false,
    recoveryPoint: 0,
    logStartOffset: 0,
    highWatermark: 0,
  })
}

function segmentFile(topic: string, base: number, suffix = '.log'): string {
  return path.join(root, `${topic}-0`, String(base).padStart(20, '0') + suffix)
}

/** Same-shaped batches for the decoy and the live log: old bytes line up with new ones. */
function fill(log: PartitionLog, tag: string, batches: number): void {
  for (let i = 0; i < batches; i++) log.append(batch(20, { tag, size: 1000, timestamp: 1000 + i }))
}

function readAll(log: PartitionLog): Buffer {
  const r = log.read(log.logStartOffset, 10 ** 10)
  const bytes = readRegions(r.regions)
  r.release()
  return bytes
}

/** A 3 MiB log of `decoy-*` values, deleted into the pool. */
function poolADecoy(): number {
  const decoy = PartitionLog.create(options('decoy'))
  fill(decoy, 'decoy', 150)
  const inode = fs.statSync(segmentFile('decoy', 0)).ino
  decoy.closeForDelete()
  expect(pool.size).toBe(1)
  return inode
}

describe('SegmentPool', () => {
  it('gives a deleted log file to the next new segment; its marker follows the log end', () => {
    const inode = poolADecoy()
    const oldSize = pool.pooledBytes
    expect(oldSize).toBeGreaterThan(3_000_000)
    const live = PartitionLog.create(options('live'))
    open.push(live)
    expect(pool.size).toBe(0)
    expect(fs.statSync(segmentFile('live', 0)).ino).toBe(inode)
    const marker = segmentFile('live', 0, '.recycled')
    expect(fs.readFileSync(marker)).toEqual(Buffer.alloc(8)) // end 0 before the first append
    fill(live, 'live', 10)
    const end = live.sizeInBytes()
    expect(fs.readFileSync(marker).readUInt32BE(4)).toBe(end)
    // The file still holds the decoy past the end: only the marker bounds the log.
    expect(fs.statSync(segmentFile('live', 0)).size).toBe(oldSize)
    const bytes = readAll(live)
    expect(bytes.length).toBe(end)
    expect(bytes.includes('decoy')).toBe(false)
    expect(batchOffsets(bytes)).toEqual(Array.from({ length: 10 }, (_, i) => i * 20))
  })

  it('appends into a recycled file write whole 4 KiB blocks (no read of an old block first)', () => {
    poolADecoy()
    const live = PartitionLog.create(options('live'))
    open.push(live)
    const file = segmentFile('live', 0)
    for (let i = 0; i < 3; i++) {
      live.append(batch(1, { tag: 'live', size: 700 + i * 1000, timestamp: 1000 + i }))
      const end = live.sizeInBytes()
      expect(end % 4096).not.toBe(0)
      const blockEnd = Math.ceil(end / 4096) * 4096
      const bytes = fs.readFileSync(file)
      // The rest of the last block is zeros; the old bytes resume after it.
      expect(bytes.subarray(end, blockEnd).equals(Buffer.alloc(blockEnd - end))).toBe(true)
      expect(bytes.subarray(blockEnd, blockEnd + 4096).includes('decoy')).toBe(true)
      expect(fs.readFileSync(segmentFile('live', 0, '.recycled')).readUInt32BE(4)).toBe(end)
    }
    expect(batchOffsets(readAll(live))).toEqual([0, 1, 2])
  })

  it('after the first append, one into a recycled file is one pwritev (the end is a store)', async () => {
    poolADecoy()
    const writes: number[] = []
    const fsys = new (class extends RealFileSystem {
      override pwritev(fd: number, buffers: readonly Uint8Array[], position: number): number {
        writes.push(fd)
        return super.pwritev(fd, buffers, position)
      }
    })()
    const live = PartitionLog.create({ ...options('live'), fs: fsys })
    fill(live, 'live', 1)
    writes.length = 0
    fill(live, 'live', 30)
    expect(writes.length).toBe(30)
    const marker = segmentFile('live', 0, '.recycled')
    // The store is in the page cache: a read of the file, and recovery after a crash, see it.
    expect(fs.readFileSync(marker).readUInt32BE(4)).toBe(live.sizeInBytes())
    const again = await afterProcessCrash('live')
    open.push(again, live)
    expect(again.logEndOffset).toBe(31 * 20)
  })

  it('recovery after a process crash stops at the marked end, not at the old batches', async () => {
    poolADecoy()
    const live = PartitionLog.create(options('live'))
    fill(live, 'live', 40)
    // No close: the process "died" with the page cache intact.
    const again = await afterProcessCrash('live')
    open.push(again, live)
    expect(again.logEndOffset).toBe(800)
    const bytes = readAll(again)
    expect(bytes.includes('decoy')).toBe(false)
    expect(batchOffsets(bytes).length).toBe(40)
    // The old tail is cut off the file.
    expect(fs.statSync(segmentFile('live', 0)).size).toBe(again.sizeInBytes())
    // Appends after recovery move the marker on: a second crash keeps them too.
    fill(again, 'live', 5)
    const third = await afterProcessCrash('live')
    open.push(third)
    expect(third.logEndOffset).toBe(900)
  })

  it('after a machine restart a recycled segment is trusted only up to its recovery point', async () => {
    poolADecoy()
    const live = PartitionLog.create(options('live'))
    fill(live, 'live', 20)
    await live.flush()
    expect(live.recoveryPoint).toBe(400)
    fill(live, 'live', 20)
    const state = { clean: false, recoveryPoint: 400, logStartOffset: 0, highWatermark: 0 }
    const restarted = await PartitionLog.load(options('live'), { ...state, machineRestarted: true })
    open.push(restarted, live)
    expect(restarted.logEndOffset).toBe(400)
    expect(batchOffsets(readAll(restarted)).length).toBe(20)
  })

  it('the same load without a restart keeps everything the page cache had', async () => {
    poolADecoy()
    const live = PartitionLog.create(options('live'))
    fill(live, 'live', 20)
    await live.flush()
    fill(live, 'live', 20)
    const state = { clean: false, recoveryPoint: 400, logStartOffset: 0, highWatermark: 0 }
    const again = await PartitionLog.load(options('live'), { ...state, machineRestarted: false })
    open.push(again, live)
    expect(again.logEndOffset).toBe(800)
  })

  it('drops the marker once a recycled segment is sealed and flushed; a clean close trims', async () => {
    poolADecoy()
    const small = config({ segmentBytes: 1 << 20 })
    const live = PartitionLog.create(options('live', small))
    open.push(live)
    fill(live, 'live', 60) // ~1.2 MiB: one roll
    const bases = live.segmentBaseOffsets()
    expect(bases.length).toBe(2)
    await live.flush()
    // The roll's own flush runs in the background; wait for it to land.
    for (let i = 0; i < 50 && fs.existsSync(segmentFile('live', 0, '.recycled')); i++)
      await new Promise((r) => setTimeout(r, 10))
    expect(fs.existsSync(segmentFile('live', 0, '.recycled'))).toBe(false)
    expect(fs.statSync(segmentFile('live', 0)).size).toBeLessThan(1 << 20)
    await live.close()
    open.splice(0)
    const reopened = await PartitionLog.load(options('live', small), {
      clean: true,
      recoveryPoint: live.logEndOffset,
      logStartOffset: 0,
      highWatermark: 0,
    })
    open.push(reopened)
    expect(reopened.logEndOffset).toBe(1200)
    for (const base of bases)
      expect(fs.existsSync(segmentFile('live', base, '.recycled'))).toBe(false)
  })

  it('a roll cuts the old tail and drops the marker off the event loop, in that order', async () => {
    poolADecoy()
    const calls: string[] = []
    let releaseCut = (): void => {}
    const fsys = new (class extends RealFileSystem {
      override ftruncate(fd: number, length: number): void {
        calls.push('ftruncate')
        super.ftruncate(fd, length)
      }
      override async ftruncateAsync(fd: number, length: number): Promise<void> {
        calls.push('ftruncateAsync')
        // Held back until the test lets it go: the cut may take a while behind a journal commit.
        await new Promise<void>((resolve) => (releaseCut = resolve))
        return super.ftruncateAsync(fd, length)
      }
      override unlink(path: string): void {
        calls.push('unlink')
        super.unlink(path)
      }
      override unlinkAsync(path: string): Promise<void> {
        calls.push('unlinkAsync')
        return super.unlinkAsync(path)
      }
    })()
    const small = config({ segmentBytes: 1 << 20 })
    const live = PartitionLog.create({ ...options('live', small), fs: fsys })
    open.push(live)
    fill(live, 'live', 60) // ~1.2 MiB: one roll
    expect(live.segmentBaseOffsets().length).toBe(2)
    expect(calls).toEqual(['ftruncateAsync'])
    // Reads stop at the log's end while the old bytes are still in the file.
    expect(readAll(live).includes('decoy')).toBe(false)
    const flushed = live.flush()
    await new Promise((r) => setTimeout(r, 20))
    // No flush completes before the cut: the marker is still there.
    expect(fs.existsSync(segmentFile('live', 0, '.recycled'))).toBe(true)
    releaseCut()
    await flushed
    for (let i = 0; i < 50 && fs.existsSync(segmentFile('live', 0, '.recycled')); i++)
      await new Promise((r) => setTimeout(r, 10))
    expect(fs.existsSync(segmentFile('live', 0, '.recycled'))).toBe(false)
    expect(fs.statSync(segmentFile('live', 0)).size).toBeLessThan(1 << 20)
    expect(calls).toEqual(['ftruncateAsync', 'unlinkAsync'])
  })

  it('a segment deleted while its tail is being cut keeps its fd open until the cut is done', async () => {
    poolADecoy()
    let releaseCut = (): void => {}
    const fsys = new (class extends RealFileSystem {
      override async ftruncateAsync(fd: number, length: number): Promise<void> {
        await new Promise<void>((resolve) => (releaseCut = resolve))
        return super.ftruncateAsync(fd, length)
      }
    })()
    const live = PartitionLog.create({
      ...options('live', config({ segmentBytes: 1 << 20 })),
      fs: fsys,
    })
    fill(live, 'live', 60)
    const sealed = live.inactiveSegments()[0]
    live.closeForDelete()
    // A closed fd number is soon reused by another file, which the pending cut would then hit.
    expect(fs.fstatSync(sealed.fd).size).toBeGreaterThan(3_000_000)
    // The path up to ".log": a rename to .deleted or an unlink only extends it.
    const segmentPath = fdTarget(sealed.fd)?.replace(/\.log.*$/, '.log') ?? ''
    expect(segmentPath).toMatch(/live-0\/0{20}\.log$/)
    expect(pool.size).toBe(0) // not handed to the pool while the cut runs on it
    await new Promise((r) => setTimeout(r, 20))
    const namesSegment = (): boolean => fdTarget(sealed.fd)?.startsWith(segmentPath) === true
    expect(namesSegment()).toBe(true) // still open: the cut has not run
    releaseCut()
    await vi.waitFor(() => expect(namesSegment()).toBe(false), { timeout: 5000 })
  })

  it('a crash before the roll cut the old tail recovers the log without the old bytes', async () => {
    poolADecoy()
    let skipCut = (): void => {}
    const fsys = new (class extends RealFileSystem {
      override ftruncateAsync(): Promise<void> {
        // The process "dies" before the cut runs; the test lets it finish as a no-op at the end.
        return new Promise((resolve) => (skipCut = resolve))
      }
    })()
    const small = config({ segmentBytes: 1 << 20 })
    const live = PartitionLog.create({ ...options('live', small), fs: fsys })
    fill(live, 'live', 70)
    expect(live.segmentBaseOffsets().length).toBe(2)
    // Still holding the decoy past the first segment's end.
    expect(fs.statSync(segmentFile('live', 0)).size).toBeGreaterThan(3_000_000)
    const again = await PartitionLog.load(
      { ...options('live', small) },
      { clean: false, recoveryPoint: 0, logStartOffset: 0, highWatermark: 0 },
    )
    open.push(again, live)
    skipCut()
    expect(again.logEndOffset).toBe(1400)
    const bytes = readAll(again)
    expect(bytes.includes('decoy')).toBe(false)
    expect(batchOffsets(bytes).length).toBe(70)
  })

  it('a deleted recycled file holding little log is still freed off the event loop', () => {
    // Closing the last fd of a big file frees its blocks inside close() (hundreds of ms per GiB
    // with `discard`); what counts is the file's size, not the few bytes of log at its start.
    const syncCloses: number[] = []
    const fsys = new (class extends RealFileSystem {
      override close(fd: number): void {
        syncCloses.push(fs.fstatSync(fd).size)
        super.close(fd)
      }
    })()
    const one = new SegmentPool(realFileSystem, path.join(root, 'one'), 5 << 20)
    one.init()
    const retire = (topic: string): void => {
      const decoy = PartitionLog.create({ ...options(topic), pool: one })
      fill(decoy, 'decoy', 150)
      decoy.closeForDelete()
    }
    retire('decoy1')
    expect(one.size).toBe(1)
    const live = PartitionLog.create({ ...options('live'), fs: fsys, pool: one })
    fill(live, 'live', 1)
    expect(live.sizeInBytes()).toBeLessThan(1 << 20)
    expect(fs.statSync(segmentFile('live', 0)).size).toBeGreaterThan(2 << 20)
    retire('decoy2') // the pool is full again: the live file cannot go back to it
    expect(one.size).toBe(1)
    live.closeForDelete()
    expect(one.size).toBe(1)
    expect(fs.existsSync(segmentFile('live', 0))).toBe(false)
    expect(syncCloses.filter((size) => size >= 1 << 20)).toEqual([])
    one.close()
  })

  it('keeps at most its capacity and nothing smaller than 1 MiB', () => {
    const tiny = new SegmentPool(realFileSystem, path.join(root, 'other'), 2 << 20)
    tiny.init()
    const file = (n: number, size: number): [number, string] => {
      const f = path.join(root, `f${n}`)
      fs.writeFileSync(f, Buffer.alloc(size))
      return [fs.openSync(f, 'r+'), f]
    }
    const [a, fa] = file(1, 512 << 10)
    expect(tiny.adopt(a, fa, 512 << 10)).toBe(false)
    fs.closeSync(a)
    const [b, fb] = file(2, 1536 << 10)
    expect(tiny.adopt(b, fb, 1536 << 10)).toBe(true)
    const [c, fc] = file(3, 1536 << 10)
    expect(tiny.adopt(c, fc, 1536 << 10)).toBe(false)
    fs.closeSync(c)
    expect(tiny.size).toBe(1)
    tiny.close()
    expect(fs.readdirSync(path.join(root, 'other', POOL_DIR))).toEqual([])
  })

  it('records the boot id and tells a restart from a process restart', () => {
    expect(machineRestarted(root, 'boot-a')).toBe(true) // never recorded
    recordBootId(realFileSystem, root, 'boot-a')
    expect(machineRestarted(root, 'boot-a')).toBe(false)
    expect(machineRestarted(root, 'boot-b')).toBe(true)
    expect(machineRestarted(root, '')).toBe(true)
  })
})

describe('LogManager with samsa.log.segment.recycle.bytes', () => {
  it('reuses a deleted topic file for a new topic and empties the pool at shutdown', async () => {
    const dir = path.join(root, 'data')
    const m = await LogManager.open({
      logDirs: [dir],
      defaults: cfg,
      segmentRecycleBytes: 64 << 20,
    })
    try {
      const a = m.create('a', 0)
      fill(a, 'decoy', 100)
      const inode = fs.statSync(path.join(dir, 'a-0', '00000000000000000000.log')).ino
      await m.delete('a', 0)
      expect(fs.readdirSync(path.join(dir, POOL_DIR)).length).toBe(1)
      const b = m.create('b', 0)
      expect(fs.statSync(path.join(dir, 'b-0', '00000000000000000000.log')).ino).toBe(inode)
      fill(b, 'live', 5)
      expect(readAll(b).includes('decoy')).toBe(false)
    } finally {
      await m.close()
    }
    expect(fs.readdirSync(path.join(dir, POOL_DIR))).toEqual([])
    const again = await LogManager.open({
      logDirs: [dir],
      defaults: cfg,
      segmentRecycleBytes: 64 << 20,
    })
    try {
      expect(again.get('b', 0)?.logEndOffset).toBe(100)
      expect(fs.existsSync(path.join(dir, 'b-0', '00000000000000000000.recycled'))).toBe(false)
    } finally {
      await again.close()
    }
  })
})
