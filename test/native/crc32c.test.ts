import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { crc32c, crc32cImplementation, crc32cSoftware } from '../../src/native/index.js'

const vectors: [string, Buffer, number][] = [
  ['"123456789"', Buffer.from('123456789'), 0xe3069283],
  ['32 zero bytes', Buffer.alloc(32, 0), 0x8a9136aa],
  ['32 0xFF bytes', Buffer.alloc(32, 0xff), 0x62a8ab43],
  ['32 incrementing bytes', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
  ['32 decrementing bytes', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
  ['empty', Buffer.alloc(0), 0],
]

describe('crc32c', () => {
  it('reports which implementation it dispatches to', () => {
    expect(['sse4.2+pclmul', 'sse4.2', 'software']).toContain(crc32cImplementation)
  })

  for (const [name, data, expected] of vectors) {
    it(`matches the published vector for ${name}`, () => {
      expect(crc32c(data)).toBe(expected)
      expect(crc32cSoftware(data)).toBe(expected)
    })
  }

  it('returns an unsigned 32-bit value', () => {
    const v = crc32c(Buffer.from('123456789'))
    expect(v).toBeGreaterThan(0x7fffffff)
    expect(Number.isInteger(v)).toBe(true)
  })

  it('hardware and software agree on random buffers of many lengths and alignments', () => {
    const pool = randomBytes(200_000)
    const lengths = [1, 2, 3, 7, 8, 9, 15, 16, 63, 64, 65, 255, 256, 767, 768, 769, 1000, 4096]
    lengths.push(3 * 256 * 5 + 13, 3 * 8192, 3 * 8192 + 1, 3 * 8192 * 2 + 3 * 256 + 7, 150_001)
    for (let i = 0; i < 200; i++) lengths.push(Math.floor(Math.random() * 60_000))
    for (const length of lengths) {
      for (let align = 0; align < 8; align += length > 10_000 ? 3 : 1) {
        const view = pool.subarray(align, align + length)
        expect(crc32c(view)).toBe(crc32cSoftware(view))
      }
    }
  })

  it('continues from an initial value like one call over the concatenation', () => {
    const data = randomBytes(100_000)
    const whole = crc32c(data)
    for (const cut of [0, 1, 7, 1000, 24_577, 99_999, 100_000]) {
      expect(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut)))).toBe(whole)
      expect(crc32cSoftware(data.subarray(cut), crc32cSoftware(data.subarray(0, cut)))).toBe(whole)
    }
  })

  it('reads any typed array view over its bytes, not its elements', () => {
    const bytes = randomBytes(64)
    const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, 16)
    expect(crc32c(u32 as unknown as Uint8Array)).toBe(crc32c(bytes))
  })

  it('rejects non-byte input', () => {
    expect(() => crc32c('abc' as unknown as Uint8Array)).toThrow(TypeError)
  })
})
