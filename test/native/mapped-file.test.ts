import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { binding } from '../../src/native/binding.js'
import { MappedFile } from '../../src/native/index.js'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'samsa-native-mmap-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('MappedFile', () => {
  it('reads and writes through to the file', () => {
    const file = path.join(dir, 'a.index')
    const initial = Buffer.alloc(64)
    initial.writeUInt32BE(0xdeadbeef, 0)
    initial.writeBigInt64BE(-5n, 8)
    writeFileSync(file, initial)
    const fd = openSync(file, 'r+')
    const m = MappedFile.map(fd, 64, { writable: true })
    closeSync(fd) // the mapping outlives the descriptor
    try {
      expect(m.mapped).toBe(true)
      expect(m.length).toBe(64)
      expect(m.readUInt32BE(0)).toBe(0xdeadbeef)
      expect(m.readInt64BE(8)).toBe(-5)
      m.writeInt64BE(16, 2 ** 53 - 1)
      m.writeInt64BE(24, -(2 ** 40) - 3)
      m.writeUInt32BE(32, 0x80000001)
      expect(m.readInt64BE(16)).toBe(2 ** 53 - 1)
      expect(m.readInt64BE(24)).toBe(-(2 ** 40) - 3)
      m.flush()
      const onDisk = readFileSync(file)
      expect(onDisk.readBigInt64BE(16)).toBe(2n ** 53n - 1n)
      expect(onDisk.readBigInt64BE(24)).toBe(-(2n ** 40n) - 3n)
      expect(onDisk.readUInt32BE(32)).toBe(0x80000001)
      const target = Buffer.alloc(10, 0xaa)
      expect(m.copyTo(target, 2, 0, 4)).toBe(4)
      expect(target.subarray(2, 6).readUInt32BE(0)).toBe(0xdeadbeef)
      expect(target[1]).toBe(0xaa)
      expect(m.copyTo(target, 8, 0, 64)).toBe(2)
      expect(() => m.readUInt32BE(62)).toThrow(RangeError)
      expect(() => m.writeInt64BE(60, 1)).toThrow(RangeError)
    } finally {
      m.unmap()
    }
  })

  it('throws on every access after unmap, and unmap is idempotent', () => {
    const file = path.join(dir, 'b.index')
    writeFileSync(file, Buffer.alloc(4096, 7))
    const fd = openSync(file, 'r')
    const m = MappedFile.map(fd, 4096)
    closeSync(fd)
    expect(m.readUInt32BE(0)).toBe(0x07070707)
    m.unmap()
    m.unmap()
    expect(m.mapped).toBe(false)
    const target = Buffer.alloc(4)
    for (const access of [
      () => m.readUInt32BE(0),
      () => m.readInt64BE(0),
      () => m.writeUInt32BE(0, 1),
      () => m.writeInt64BE(0, 1),
      () => m.copyTo(target, 0, 0, 4),
      () => m.flush(),
    ]) {
      expect(access).toThrow(expect.objectContaining({ code: 'ERR_UNMAPPED' }))
    }
  })

  it('a read-only mapping refuses writes and a bad fd maps to EBADF', () => {
    const file = path.join(dir, 'c.index')
    writeFileSync(file, Buffer.alloc(16))
    const fd = openSync(file, 'r')
    closeSync(fd)
    expect(() => MappedFile.map(fd, 16)).toThrow(
      expect.objectContaining({ code: 'EBADF', syscall: 'mmap' }),
    )
    const fd2 = openSync(file, 'r')
    try {
      expect(() => MappedFile.map(fd2, 16, { writable: true })).toThrow(
        expect.objectContaining({ code: 'EACCES', syscall: 'mmap' }),
      )
    } finally {
      closeSync(fd2)
    }
  })

  it('an empty mapping has length 0 and still enforces unmap', () => {
    const m = MappedFile.map(0, 0)
    expect(m.length).toBe(0)
    expect(() => m.readUInt32BE(0)).toThrow(RangeError)
    m.unmap()
    expect(() => m.readUInt32BE(0)).toThrow(expect.objectContaining({ code: 'ERR_UNMAPPED' }))
  })

  it('unmap detaches the ArrayBuffer so a leaked view cannot reach the freed pages', () => {
    const file = path.join(dir, 'd.index')
    writeFileSync(file, Buffer.alloc(8192, 3))
    const fd = openSync(file, 'r')
    const [buffer, handle] = binding.mmap(fd, 8192, false)
    closeSync(fd)
    const leaked = new Uint8Array(buffer)
    expect(leaked[8191]).toBe(3)
    binding.munmap(handle, buffer)
    binding.munmap(handle, buffer)
    expect(buffer.byteLength).toBe(0)
    expect(leaked.length).toBe(0)
    expect(leaked[0]).toBeUndefined()
    expect(() => binding.msync(handle)).toThrow(expect.objectContaining({ code: 'EBADF' }))
  })
})
