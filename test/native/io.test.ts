import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  FADV,
  fadvise,
  fallocate,
  fdatasync,
  fdatasyncSync,
  pwritev,
  pwritevSync,
} from '../../src/native/index.js'
import type { NativeError } from '../../src/native/index.js'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'samsa-native-io-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function expectSysError(fn: () => unknown, code: string, syscall: string): void {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(Error)
  const e = caught as NativeError
  expect(e.code).toBe(code)
  expect(e.syscall).toBe(syscall)
  expect(e.errno).toBeGreaterThan(0)
  expect(e.message).toContain(code)
}

function badFd(): number {
  const fd = openSync(path.join(dir, 'closed'), 'w')
  closeSync(fd)
  return fd
}

describe('pwritev', () => {
  it('writes all buffers in order at the position (sync)', () => {
    const file = path.join(dir, 'sync.log')
    const fd = openSync(file, 'w+')
    try {
      const a = Buffer.from('hello ')
      const b = Buffer.alloc(0)
      const c = new Uint8Array(Buffer.from('world'))
      expect(pwritevSync(fd, [a, b, c], 0)).toBe(11)
      expect(pwritevSync(fd, [Buffer.from('!')], 11)).toBe(1)
      expect(pwritevSync(fd, [Buffer.from('W')], 6)).toBe(1)
      expect(readFileSync(file, 'utf8')).toBe('hello World!')
    } finally {
      closeSync(fd)
    }
  })

  it('handles more buffers than IOV_MAX in one call (async)', async () => {
    const file = path.join(dir, 'many.log')
    const fd = openSync(file, 'w+')
    try {
      const parts: Buffer[] = []
      for (let i = 0; i < 3000; i++) parts.push(Buffer.from(`${i},`))
      const expected = parts.map((p) => p.toString()).join('')
      expect(await pwritev(fd, parts, 5)).toBe(expected.length)
      expect(readFileSync(file, 'latin1').slice(5)).toBe(expected)
      expect(statSync(file).size).toBe(5 + expected.length)
    } finally {
      closeSync(fd)
    }
  })

  it('maps errno on a bad fd to EBADF with the syscall (sync and async)', async () => {
    const fd = badFd()
    expectSysError(() => pwritevSync(fd, [Buffer.from('x')], 0), 'EBADF', 'pwritev')
    await expect(pwritev(fd, [Buffer.from('x')], 0)).rejects.toMatchObject({
      code: 'EBADF',
      errno: 9,
      syscall: 'pwritev',
    })
  })

  it('rejects invalid arguments with TypeError', async () => {
    expect(() => pwritevSync(-1, [], 0)).toThrow(TypeError)
    expect(() => pwritevSync(1, [Buffer.alloc(1)], -5)).toThrow(TypeError)
    expect(() => pwritevSync(1, ['x' as unknown as Uint8Array], 0)).toThrow(TypeError)
    await expect(pwritev(1, [], 1.5)).rejects.toBeInstanceOf(TypeError)
  })
})

describe('file helpers', () => {
  it('fdatasync resolves on a file and maps EBADF / EINVAL', async () => {
    const fd = openSync(path.join(dir, 'sync2.log'), 'w+')
    try {
      pwritevSync(fd, [Buffer.from('data')], 0)
      await expect(fdatasync(fd)).resolves.toBeUndefined()
      fdatasyncSync(fd)
    } finally {
      closeSync(fd)
    }
    const bad = badFd()
    await expect(fdatasync(bad)).rejects.toMatchObject({ code: 'EBADF', syscall: 'fdatasync' })
    expectSysError(() => fdatasyncSync(bad), 'EBADF', 'fdatasync')
  })

  it('fadvise accepts the POSIX constants and rejects a bad advice', () => {
    expect(FADV).toEqual({
      NORMAL: 0,
      RANDOM: 1,
      SEQUENTIAL: 2,
      WILLNEED: 3,
      DONTNEED: 4,
      NOREUSE: 5,
    })
    const fd = openSync(path.join(dir, 'adv.log'), 'w+')
    try {
      pwritevSync(fd, [Buffer.alloc(8192, 1)], 0)
      for (const advice of Object.values(FADV)) fadvise(fd, 0, 0, advice)
      expectSysError(() => fadvise(fd, 0, 0, 99), 'EINVAL', 'posix_fadvise')
    } finally {
      closeSync(fd)
    }
    expectSysError(() => fadvise(badFd(), 0, 0, FADV.NORMAL), 'EBADF', 'posix_fadvise')
  })

  it('fallocate grows the file, or only reserves with keepSize', () => {
    const file = path.join(dir, 'prealloc.log')
    const fd = openSync(file, 'w+')
    try {
      fallocate(fd, 0, 4096, true)
      expect(statSync(file).size).toBe(0)
      fallocate(fd, 0, 1 << 20)
      expect(statSync(file).size).toBe(1 << 20)
    } finally {
      closeSync(fd)
    }
    expectSysError(() => fallocate(badFd(), 0, 10), 'EBADF', 'fallocate')
  })
})
