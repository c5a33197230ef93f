import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RealFileSystem, realFileSystem } from '../../src/log/fs.js'
import { OffsetIndex } from '../../src/log/offset-index.js'
import { TimeIndex } from '../../src/log/time-index.js'
import { rmDir, tmpDir } from './helpers.js'

let dir: string
beforeEach(() => {
  dir = tmpDir()
})
afterEach(() => rmDir(dir))

describe('OffsetIndex', () => {
  it('keeps active entries in memory, finds the greatest entry <= target (warm and cold sections), writes them on close', () => {
    const file = path.join(dir, '00000000000000001000.index')
    const idx = new OffsetIndex(realFileSystem, file, 1000, 64 * 1024, true)
    // Nothing is preallocated or mapped: entries reach the file at flush and seal.
    expect(fs.statSync(file).size).toBe(0)
    // 5000 entries: more than the 1024-entry warm section, so both halves are searched.
    for (let i = 1; i <= 5000; i++) idx.append(1000 + i * 10, i * 100)
    expect(idx.entries).toBe(5000)
    expect(idx.lookup(999)).toBe(0)
    expect(idx.lookup(1005)).toBe(0)
    expect(idx.lookup(1010)).toBe(100)
    expect(idx.lookup(1019)).toBe(100)
    expect(idx.lookup(1000 + 2500 * 10 + 3)).toBe(250000)
    expect(idx.lookup(1000 + 4999 * 10 + 9)).toBe(499900)
    expect(idx.lookup(10 ** 9)).toBe(500000)
    // Out-of-order appends are ignored.
    idx.append(1005, 7)
    expect(idx.entries).toBe(5000)
    idx.truncateTo(1000 + 4000 * 10)
    expect(idx.entries).toBe(3999)
    idx.truncateTo(1000 + 3000 * 10 + 5)
    expect(idx.entries).toBe(3000)
    idx.close()
    expect(fs.statSync(file).size).toBe(3000 * 8)
    // Reopened read-only it still answers, and writing is refused instead of faulting.
    const ro = new OffsetIndex(realFileSystem, file, 1000, 64 * 1024, false)
    expect(ro.entries).toBe(3000)
    expect(ro.sanityCheck(10 ** 9, true)).toBe(true)
    expect(ro.lookup(1000 + 1234 * 10 + 1)).toBe(123400)
    expect(() => ro.append(10 ** 6, 1)).toThrow(/read-only/)
    ro.release()
  })

  it('detects damage: partial entry, disorder, positions beyond the log; ignores unused zero tail', () => {
    const file = path.join(dir, '00000000000000000000.index')
    const idx = new OffsetIndex(realFileSystem, file, 0, 1024, true)
    idx.append(5, 100)
    idx.append(9, 200)
    idx.release() // a crash: the entries were never written
    expect(fs.statSync(file).size).toBe(0)
    // An index preallocated by an older version and left by a crash: entries, then zeros.
    const old = Buffer.alloc(1024)
    old.writeUInt32BE(5, 0)
    old.writeUInt32BE(100, 4)
    old.writeUInt32BE(9, 8)
    old.writeUInt32BE(200, 12)
    fs.writeFileSync(file, old)
    const again = new OffsetIndex(realFileSystem, file, 0, 1024, false)
    expect(again.entries).toBe(128)
    expect(again.sanityCheck(1000, true)).toBe(true)
    expect(again.entries).toBe(2)
    expect(again.sanityCheck(150, true)).toBe(false) // position 200 beyond a 150-byte log
    again.release()
    const buf = Buffer.alloc(16)
    buf.writeUInt32BE(9, 0)
    buf.writeUInt32BE(100, 4)
    buf.writeUInt32BE(5, 8)
    buf.writeUInt32BE(200, 12)
    fs.writeFileSync(file, buf)
    const disordered = new OffsetIndex(realFileSystem, file, 0, 1024, false)
    expect(disordered.sanityCheck(1000, true)).toBe(false)
    disordered.release()
    fs.writeFileSync(file, buf.subarray(0, 12))
    const partial = new OffsetIndex(realFileSystem, file, 0, 1024, false)
    expect(partial.sanityCheck(1000, true)).toBe(false)
    partial.release()
  })

  it('flush writes the entries so far; a truncation and rewrite reach the file too', async () => {
    const file = path.join(dir, '00000000000000000000.index')
    const idx = new OffsetIndex(realFileSystem, file, 0, 64 * 1024, true)
    for (let i = 1; i <= 600; i++) idx.append(i * 2, i * 100)
    await idx.flush()
    expect(fs.statSync(file).size).toBe(600 * 8)
    idx.truncateTo(401)
    idx.append(401, 7777)
    await idx.flush()
    expect(fs.statSync(file).size).toBe(201 * 8)
    const onDisk = fs.readFileSync(file)
    expect(onDisk.readUInt32BE(200 * 8)).toBe(401)
    expect(onDisk.readUInt32BE(200 * 8 + 4)).toBe(7777)
    expect(onDisk.readUInt32BE(199 * 8)).toBe(400)
    idx.close()
    // Reopened writable (a segment active again after load), the entries come back from the file.
    const again = new OffsetIndex(realFileSystem, file, 0, 64 * 1024, true)
    expect(again.entries).toBe(201)
    expect(again.lookup(401)).toBe(7777)
    again.append(500, 9000)
    again.close()
    expect(fs.statSync(file).size).toBe(202 * 8)
  })

  it('a new index created in the background takes entries at once; a seal before the open ends opens the file itself', async () => {
    const opens: string[] = []
    const fsys = new (class extends RealFileSystem {
      override open(p: string, flags: string): number {
        opens.push(`sync ${flags}`)
        return super.open(p, flags)
      }
      override openAsync(p: string, flags: number): Promise<number> {
        opens.push('async')
        return super.openAsync(p, flags)
      }
    })()
    // Opened on the thread pool: nothing on the event loop creates the file.
    const a = path.join(dir, '00000000000000000000.index')
    const early = new OffsetIndex(fsys, a, 0, 64 * 1024, true, true)
    expect(opens).toEqual(['async'])
    for (let i = 1; i <= 10; i++) early.append(i, i * 100)
    await new Promise((r) => setTimeout(r, 50))
    await early.flush()
    expect(opens).toEqual(['async'])
    expect(fs.statSync(a).size).toBe(80)
    early.close()
    // Sealed before the background open finished: the index opens the file itself, and the
    // late fd is closed, not used (both opens create without truncating).
    opens.length = 0
    const b = path.join(dir, '00000000000000000100.index')
    const late = new OffsetIndex(fsys, b, 100, 64 * 1024, true, true)
    for (let i = 1; i <= 10; i++) late.append(100 + i, i * 100)
    late.trim()
    expect(opens[0]).toBe('async')
    expect(opens[1]).toMatch(/^sync (r|w)\+$/)
    expect(late.lookup(105)).toBe(500)
    await new Promise((r) => setTimeout(r, 50))
    expect(fs.statSync(b).size).toBe(80)
    late.close()
  })

  it('reports full at segment.index.bytes', () => {
    const idx = new OffsetIndex(realFileSystem, path.join(dir, 'x.index'), 0, 24, true)
    for (let i = 1; i <= 3; i++) idx.append(i, i * 10)
    expect(idx.isFull()).toBe(true)
    idx.append(4, 40)
    expect(idx.entries).toBe(3)
    idx.close()
  })
})

describe('TimeIndex', () => {
  it('keeps strictly increasing timestamps and looks up the greatest <= target', () => {
    const file = path.join(dir, '00000000000000000100.timeindex')
    const idx = new TimeIndex(realFileSystem, file, 100, 12 * 2000, true)
    for (let i = 1; i <= 1500; i++) idx.maybeAppend(10_000 + i * 5, 100 + i * 3)
    idx.maybeAppend(10_000, 100 + 9999) // older timestamp: ignored
    expect(idx.entries).toBe(1500)
    expect(idx.lookup(1)).toBe(100)
    expect(idx.lookup(10_005)).toBe(103)
    expect(idx.lookup(10_007)).toBe(103)
    expect(idx.lookup(10_000 + 1500 * 5 + 100)).toBe(100 + 1500 * 3)
    expect(idx.lookup(10_000 + 200 * 5 + 1)).toBe(100 + 200 * 3)
    expect(idx.lastTimestamp()).toBe(10_000 + 1500 * 5)
    idx.truncateTo(100 + 1000 * 3)
    expect(idx.entries).toBe(999)
    idx.close()
    expect(fs.statSync(file).size).toBe(999 * 12)
    const ro = new TimeIndex(realFileSystem, file, 100, 12 * 2000, false)
    expect(ro.sanityCheck(100 + 999 * 3 + 1, true)).toBe(true)
    expect(ro.sanityCheck(100 + 999 * 3, true)).toBe(false)
    ro.release()
  })
})
