import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LogManager } from '../../src/log/log-manager.js'
import { RealFileSystem } from '../../src/log/fs.js'
import { FaultFileSystem } from './fault-fs.js'
import { batch, batchOffsets, config, errName, readRegions, rmDir, tmpDir } from './helpers.js'
import type { LogConfig } from '../../src/log/log-config.js'
import type { FileSystem } from '../../src/log/fs.js'

let root: string
let dirs: string[]
let managers: LogManager[]
let lines: { level: string; msg: string; fields?: Record<string, unknown> }[]
beforeEach(() => {
  root = tmpDir()
  dirs = [path.join(root, 'd1'), path.join(root, 'd2')]
  managers = []
  lines = []
})
afterEach(async () => {
  for (const m of managers) await m.close().catch(() => {})
  rmDir(root)
})

async function openManager(
  defaults: Partial<LogConfig> = {},
  fsImpl?: FileSystem,
): Promise<LogManager> {
  const m = await LogManager.open({
    logDirs: dirs,
    defaults: config(defaults),
    fs: fsImpl,
    log: (level, msg, fields) => lines.push({ level, msg, fields }),
  })
  managers.push(m)
  return m
}

function seg(base: number, suffix: string): string {
  return String(base).padStart(20, '0') + suffix
}

describe('LogManager', () => {
  it('spreads partitions over dirs, survives a clean restart with checkpoints and marker', async () => {
    let m = await openManager({ segmentBytes: 1000 })
    const a = m.create('orders', 0)
    const b = m.create('orders', 1)
    expect(path.dirname(a.dir)).not.toBe(path.dirname(b.dir))
    for (let i = 0; i < 40; i++)
      a.append(batch(2, { size: 50, producerId: 9, epoch: 0, seq: i * 2 }))
    b.append(batch(5))
    a.deleteRecordsBefore(3)
    let woken = 0
    m.onAppend(() => woken++)
    b.append(batch(1))
    expect(woken).toBe(1)
    await m.close()
    for (const d of dirs) expect(fs.existsSync(path.join(d, '.kafka_cleanshutdown'))).toBe(true)
    const rp = fs.readFileSync(
      path.join(path.dirname(a.dir), 'recovery-point-offset-checkpoint'),
      'utf8',
    )
    expect(rp).toBe('0\n1\norders 0 80\n')
    expect(
      fs.readFileSync(path.join(path.dirname(a.dir), 'log-start-offset-checkpoint'), 'utf8'),
    ).toBe('0\n1\norders 0 3\n')
    expect(fs.readdirSync(a.dir)).toContain(seg(80, '.snapshot'))

    m = await openManager({ segmentBytes: 1000 })
    for (const d of dirs) expect(fs.existsSync(path.join(d, '.kafka_cleanshutdown'))).toBe(false)
    const a2 = m.get('orders', 0)
    const b2 = m.get('orders', 1)
    expect(a2?.logEndOffset).toBe(80)
    expect(a2?.logStartOffset).toBe(3)
    expect(a2?.highWatermark).toBe(80)
    expect(b2?.logEndOffset).toBe(6)
    const r = a2?.read(3, 10 ** 6)
    expect(batchOffsets(readRegions(r?.regions ?? []))).toEqual(
      Array.from({ length: 39 }, (_, i) => i * 2 + 2),
    )
    r?.release()
    // Producer state came back from the snapshot: the last batch is a duplicate.
    const dup = a2?.append(batch(2, { size: 50, producerId: 9, epoch: 0, seq: 78 }))
    expect(dup).toMatchObject({ duplicate: true, firstOffset: 78 })
    expect(a2?.append(batch(1, { producerId: 9, epoch: 0, seq: 80 })).firstOffset).toBe(80)
  })

  it('applies topic config overrides and runs retention on an injected clock', async () => {
    let now = 10_000_000
    const m = await LogManager.open({ logDirs: dirs, defaults: config(), clock: () => now })
    managers.push(m)
    const log = m.create('t', 0, { segmentBytes: 600 })
    expect(log.config.segmentBytes).toBe(600)
    m.setTopicConfig('t', { segmentBytes: 600, retentionMs: 1000 })
    expect(log.config.retentionMs).toBe(1000)
    for (let i = 0; i < 20; i++) log.append(batch(1, { size: 100, timestamp: now }))
    const n = log.segmentBaseOffsets().length
    await m.runRetention()
    expect(log.segmentBaseOffsets().length).toBe(n)
    now += 5000
    await m.runRetention()
    expect(log.segmentBaseOffsets().length).toBe(1)
  })

  it('deletes a partition directory: renamed at once, removed in the background', async () => {
    const m = await openManager()
    const log = m.create('gone', 3)
    log.append(batch(1))
    await m.delete('gone', 3)
    expect(m.get('gone', 3)).toBeUndefined()
    expect(fs.existsSync(log.dir)).toBe(false)
    await m.deletionsDone()
    expect(fs.readdirSync(path.dirname(log.dir)).filter((n) => n.startsWith('gone'))).toEqual([])
  })

  it('looks partitions up by topic and number through creates, deletes and re-creates', async () => {
    const m = await openManager()
    const a0 = m.create('t', 0)
    const a1 = m.create('t', 1)
    const other = m.create('t2', 0)
    // The topic name as a request decodes it: another string with the same characters.
    const decoded = Buffer.from('t').toString('utf8')
    expect(m.get(decoded, 0)).toBe(a0)
    expect(m.get(decoded, 1)).toBe(a1)
    expect(m.get('t', 2)).toBeUndefined()
    await m.delete('t', 0)
    expect(m.get('t', 0)).toBeUndefined()
    expect(m.get('t', 1)).toBe(a1)
    await m.delete('t', 1)
    expect(m.get('t', 1)).toBeUndefined()
    expect(m.get('t2', 0)).toBe(other)
    const again = m.create('t', 1)
    expect(again).not.toBe(a1)
    expect(m.get('t', 1)).toBe(again)
    expect(m.all()).toHaveLength(2)
    await m.deletionsDone()
  })

  it('a failed background removal is logged, not thrown; the next start sweeps it', async () => {
    class FailingRm extends RealFileSystem {
      override rmrfAsync(): Promise<void> {
        return Promise.reject(Object.assign(new Error('EIO: injected'), { code: 'EIO' }))
      }
    }
    const m = await openManager({}, new FailingRm())
    const log = m.create('gone', 0)
    log.append(batch(1))
    await m.delete('gone', 0)
    await m.deletionsDone()
    expect(fs.existsSync(log.dir)).toBe(false)
    const left = fs.readdirSync(path.dirname(log.dir)).filter((n) => n.startsWith('gone'))
    expect(left).toHaveLength(1)
    expect(left[0]).toMatch(/^gone-0\.[0-9a-f]{32}-delete$/)
    expect(lines.some((l) => l.level === 'error' && l.msg.includes('removing'))).toBe(true)
    await m.close()
    // A later start (real removal) sweeps the leftover and does not load it as a partition.
    const m2 = await openManager()
    expect(m2.get('gone', 0)).toBeUndefined()
    await m2.deletionsDone()
    expect(fs.readdirSync(path.dirname(log.dir)).filter((n) => n.startsWith('gone'))).toEqual([])
  })

  it('a failed rename reaches the caller', async () => {
    class FailingRename extends RealFileSystem {
      override rename(): void {
        throw Object.assign(new Error('EIO: injected'), { code: 'EIO' })
      }
    }
    const m = await openManager({}, new FailingRename())
    m.create('stuck', 0)
    await expect(m.delete('stuck', 0)).rejects.toThrow(/EIO/)
  })

  it('ENOSPC takes only that partition offline and loses nothing acknowledged', async () => {
    const ffs = new FaultFileSystem()
    const m = await openManager({}, ffs)
    const a = m.create('a', 0)
    const b = m.create('b', 0)
    const wentOffline: string[] = []
    m.onOffline((l) => wentOffline.push(`${l.topic}-${l.partition}`))
    a.append(batch(3))
    const sizeBefore = a.sizeInBytes()
    ffs.pathFilter = `${path.sep}a-0${path.sep}`
    ffs.failNextWrite('ENOSPC', 20)
    expect(errName(() => a.append(batch(2)))).toBe('KAFKA_STORAGE_ERROR')
    expect(a.offline).toBe(true)
    // Reported once (cluster mode tells the controller), however many calls fail afterwards.
    expect(errName(() => a.append(batch(2)))).toBe('KAFKA_STORAGE_ERROR')
    expect(wentOffline).toEqual(['a-0'])
    expect(a.logEndOffset).toBe(3)
    expect(errName(() => a.read(0, 100))).toBe('KAFKA_STORAGE_ERROR')
    expect(lines.some((l) => l.level === 'error' && l.fields?.code === 'ENOSPC')).toBe(true)
    // The torn 20 bytes were cut back.
    expect(fs.statSync(path.join(a.dir, seg(0, '.log'))).size).toBe(sizeBefore)
    expect(b.append(batch(1)).firstOffset).toBe(0)
    await m.close()
    // The dir with the failed partition gets no clean marker: next start recovers it.
    expect(fs.existsSync(path.join(path.dirname(a.dir), '.kafka_cleanshutdown'))).toBe(false)
    const m2 = await openManager()
    expect(m2.get('a', 0)?.logEndOffset).toBe(3)
    expect(m2.get('b', 0)?.logEndOffset).toBe(1)
  })

  it('EIO on fdatasync takes the partition offline', async () => {
    const ffs = new FaultFileSystem()
    const m = await openManager({ flushMessages: 1 }, ffs)
    const a = m.create('a', 0)
    ffs.pathFilter = `${path.sep}a-0${path.sep}`
    ffs.failNextSync('EIO')
    a.append(batch(1)) // flush.messages=1 starts a background flush that fails
    await new Promise((r) => setTimeout(r, 50))
    expect(a.offline).toBe(true)
    expect(errName(() => a.append(batch(1)))).toBe('KAFKA_STORAGE_ERROR')
    await expect(a.flush()).rejects.toThrow(/KAFKA_STORAGE_ERROR/)
  })

  it('appends during a flush share one follow-up flush (flush.messages below the append rate)', async () => {
    const ffs = new FaultFileSystem()
    const m = await openManager({ flushMessages: 1 }, ffs)
    const a = m.create('a', 0)
    ffs.pathFilter = `${path.sep}a-0${path.sep}00`
    for (let i = 0; i < 50; i++) a.append(batch(1))
    await a.flush()
    await new Promise((r) => setTimeout(r, 50))
    expect(a.recoveryPoint).toBe(50)
    // The first append's flush, then one more for everything that asked while it ran; each
    // syncs the segment's log, index and time index. Chained per caller it was 51 flushes.
    expect(ffs.syncs).toBeLessThanOrEqual(2 * 3)
    expect(ffs.syncs).toBeGreaterThan(0)
  })

  it('flush.messages advances the recovery point', async () => {
    const m = await openManager({ flushMessages: 3 })
    const a = m.create('a', 0)
    a.append(batch(2))
    await new Promise((r) => setTimeout(r, 20))
    expect(a.recoveryPoint).toBe(0)
    a.append(batch(2))
    await new Promise((r) => setTimeout(r, 50))
    expect(a.recoveryPoint).toBe(4)
  })
})
