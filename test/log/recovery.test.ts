import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogManager } from '../../src/log/log-manager.js'
import { realFileSystem } from '../../src/log/fs.js'
import { PartitionLog } from '../../src/log/partition-log.js'
import { batch, batchOffsets, config, readRegions, rmDir, tmpDir } from './helpers.js'

let root: string
let lines: { level: string; msg: string; fields?: Record<string, unknown> }[]
const managers: LogManager[] = []
beforeEach(() => {
  root = tmpDir()
  lines = []
})
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close().catch(() => {})
  rmDir(root)
})

const defaults = config({ segmentBytes: 1200, indexIntervalBytes: 150 })

async function open(cfg = defaults): Promise<LogManager> {
  const m = await LogManager.open({
    logDirs: [root],
    defaults: cfg,
    log: (level, msg, fields) => lines.push({ level, msg, fields }),
  })
  managers.push(m)
  return m
}

function seg(base: number, suffix: string): string {
  return path.join(root, 't-0', String(base).padStart(20, '0') + suffix)
}

/** Writes 40 batches of 2 records, closes cleanly, then makes the shutdown look unclean. */
async function prepare(unclean: boolean): Promise<{ bases: number[]; leo: number }> {
  const m = await open()
  const log = m.create('t', 0)
  for (let i = 0; i < 40; i++) log.append(batch(2, { size: 30, timestamp: 1000 + i }))
  const bases = log.segmentBaseOffsets()
  const leo = log.logEndOffset
  await m.close()
  managers.splice(0)
  if (unclean) {
    fs.unlinkSync(path.join(root, '.kafka_cleanshutdown'))
    fs.writeFileSync(path.join(root, 'recovery-point-offset-checkpoint'), '0\n0\n')
  }
  return { bases, leo }
}

function readAll(log: PartitionLog | undefined): number[] {
  if (log === undefined) throw new Error('log missing')
  const r = log.read(log.logStartOffset, 10 ** 9)
  const offs = batchOffsets(readRegions(r.regions))
  r.release()
  return offs
}

const evens = (n: number): number[] => Array.from({ length: n }, (_, i) => i * 2)

describe('recovery', () => {
  it('cuts a torn tail after an unclean shutdown', async () => {
    const { bases, leo } = await prepare(true)
    const last = seg(bases[bases.length - 1], '.log')
    const size = fs.statSync(last).size
    fs.appendFileSync(last, batch(3).subarray(0, 37))
    const m = await open()
    const log = m.get('t', 0)
    expect(log?.logEndOffset).toBe(leo)
    expect(fs.statSync(last).size).toBe(size)
    expect(readAll(log)).toEqual(evens(40))
    expect(lines.some((l) => l.msg.includes('truncating'))).toBe(true)
    expect(log?.append(batch(1)).firstOffset).toBe(leo)
  })

  it('truncates at a flipped bit and deletes the later segments', async () => {
    const { bases } = await prepare(true)
    expect(bases.length).toBeGreaterThan(3)
    const victim = seg(bases[1], '.log')
    const bytes = fs.readFileSync(victim)
    // Corrupt the records of the second batch of segment 1.
    const second = bytes.readInt32BE(8) + 12
    bytes[second + 70] ^= 0x10
    fs.writeFileSync(victim, bytes)
    const m = await open()
    const log = m.get('t', 0)
    expect(log?.logEndOffset).toBe(bases[1] + 2)
    expect(log?.segmentBaseOffsets()).toEqual([bases[0], bases[1]])
    expect(fs.existsSync(seg(bases[2], '.log'))).toBe(false)
    expect(fs.existsSync(seg(bases[2], '.index'))).toBe(false)
    expect(fs.statSync(victim).size).toBe(second)
    expect(readAll(log)).toEqual(evens(bases[1] / 2 + 1))
  })

  it('skips the CRC pass after a clean shutdown', async () => {
    const { bases, leo } = await prepare(false)
    // Clean shutdown: the marker is there, no CRC pass, log end unchanged.
    const m = await open()
    expect(m.get('t', 0)?.logEndOffset).toBe(leo)
    expect(m.get('t', 0)?.segmentBaseOffsets()).toEqual(bases)
  })

  it('rebuilds damaged or missing indexes even after a clean shutdown', async () => {
    const { bases, leo } = await prepare(false)
    // Disordered entries in segment 0, a partial entry in segment 1, missing index in segment 2.
    const bad = Buffer.alloc(16)
    bad.writeUInt32BE(9, 0)
    bad.writeUInt32BE(500, 4)
    bad.writeUInt32BE(3, 8)
    bad.writeUInt32BE(100, 12)
    fs.writeFileSync(seg(bases[0], '.index'), bad)
    fs.writeFileSync(seg(bases[1], '.index'), Buffer.alloc(13))
    fs.unlinkSync(seg(bases[2], '.index'))
    // The active segment's index claims a position beyond the log.
    const act = Buffer.alloc(8)
    act.writeUInt32BE(1, 0)
    act.writeUInt32BE(1_000_000, 4)
    fs.writeFileSync(seg(bases[bases.length - 1], '.index'), act)
    const m = await open()
    const log = m.get('t', 0)
    expect(log?.logEndOffset).toBe(leo)
    expect(fs.statSync(seg(bases[1], '.index')).size % 8).toBe(0)
    expect(fs.existsSync(seg(bases[2], '.index'))).toBe(true)
    for (let off = 0; off < leo; off++) {
      const r = log?.read(off, 1)
      expect(batchOffsets(readRegions(r?.regions ?? []))).toEqual([off - (off % 2)])
      r?.release()
    }
    expect(lines.some((l) => l.msg.includes('rebuilding'))).toBe(true)
  })

  it('recovery is idempotent: a crash during recovery recovers to the same state', async () => {
    const { bases } = await prepare(true)
    const last = seg(bases[bases.length - 1], '.log')
    fs.appendFileSync(last, Buffer.alloc(500, 0xff))
    const state = { recoveryPoint: 0, logStartOffset: 0, highWatermark: 0, clean: false }
    const opts = {
      topic: 't',
      partition: 0,
      dir: path.join(root, 't-0'),
      config: defaults,
      fs: realFileSystem,
      clock: Date.now,
    }
    const first = await PartitionLog.load(opts, state)
    const leo = first.logEndOffset
    const size = first.sizeInBytes()
    // Abandon it as a crash would (no flush, no snapshot), then recover again.
    const second = await PartitionLog.load(opts, state)
    expect(second.logEndOffset).toBe(leo)
    expect(second.sizeInBytes()).toBe(size)
    expect(readAll(second)).toEqual(evens(40))
    await second.close()
  })

  describe('segments larger than one read chunk', () => {
    const big = config({ maxMessageBytes: 4 * 1024 * 1024 })

    /** One segment: 150 batches of ~10 KiB (1.5 MiB, over a 1 MiB read), maybe a 1.5 MiB one. */
    async function prepareBig(huge: boolean): Promise<{ positions: number[]; leo: number }> {
      const m = await open(big)
      const log = m.create('t', 0)
      const positions: number[] = []
      let pos = 0
      for (let i = 0; i < 150; i++) {
        const b =
          huge && i === 100 ? batch(1, { size: 1_500_000 }) : batch(2, { size: 5000, tag: `b${i}` })
        positions.push(pos)
        pos += b.length
        log.append(b)
      }
      const leo = log.logEndOffset
      await m.close()
      managers.splice(0)
      fs.unlinkSync(path.join(root, '.kafka_cleanshutdown'))
      fs.writeFileSync(path.join(root, 'recovery-point-offset-checkpoint'), '0\n0\n')
      return { positions, leo }
    }

    it('checks every batch across read chunks and cuts at a bad CRC past the first MiB', async () => {
      const { positions } = await prepareBig(false)
      const file = seg(0, '.log')
      expect(fs.statSync(file).size).toBeGreaterThan(1024 * 1024 + 100_000)
      const victim = positions.findIndex((p) => p > 1024 * 1024 + 50_000)
      const bytes = fs.readFileSync(file)
      bytes[positions[victim] + 3000] ^= 0x01
      fs.writeFileSync(file, bytes)
      const m = await open(big)
      const log = m.get('t', 0)
      expect(log?.logEndOffset).toBe(victim * 2)
      expect(fs.statSync(file).size).toBe(positions[victim])
      expect(readAll(log)).toEqual(evens(victim))
      // The rebuilt index finds batches in both chunks.
      for (const off of [1, 61, victim * 2 - 1]) {
        const r = log?.read(off, 1)
        expect(batchOffsets(readRegions(r?.regions ?? []))).toEqual([off - 1])
        r?.release()
      }
    })

    it('recovers a batch larger than the read buffer, and cuts it when torn', async () => {
      const { positions, leo } = await prepareBig(true)
      let m = await open(big)
      expect(m.get('t', 0)?.logEndOffset).toBe(leo)
      const r = m.get('t', 0)?.read(200, 10)
      expect(batchOffsets(readRegions(r?.regions ?? []))).toEqual([200])
      expect(r?.bytes).toBeGreaterThan(1_500_000)
      r?.release()
      // Crash again with the big batch torn: the log ends before it.
      await m.close()
      managers.splice(0)
      fs.unlinkSync(path.join(root, '.kafka_cleanshutdown'))
      fs.writeFileSync(path.join(root, 'recovery-point-offset-checkpoint'), '0\n0\n')
      fs.truncateSync(seg(0, '.log'), positions[100] + 1_200_000)
      m = await open(big)
      expect(m.get('t', 0)?.logEndOffset).toBe(200)
      expect(fs.statSync(seg(0, '.log')).size).toBe(positions[100])
    })
  })
})
