import { describe, expect, it } from 'vitest'
import type { FileRegion } from '../../src/native/index.js'
import { ProtocolError, Reader, ZERO_UUID } from '../../src/protocol/primitives/reader.js'
import {
  COPY_THRESHOLD,
  Writer,
  concatChunks,
  isFileRegion,
} from '../../src/protocol/primitives/writer.js'

function written(fn: (w: Writer) => void): Buffer {
  const w = new Writer(16)
  fn(w)
  return concatChunks(w.finish())
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

describe('varints', () => {
  it('zigzag varint boundaries match Kafka encodings', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [-1, '01'],
      [1, '02'],
      [-64, '7f'],
      [64, '8001'],
      [2147483647, 'feffffff0f'],
      [-2147483648, 'ffffffff0f'],
    ]
    for (const [v, h] of cases) {
      expect(written((w) => w.varint(v)).toString('hex')).toBe(h)
      expect(new Reader(hex(h)).varint()).toBe(v)
    }
  })

  it('uvarint boundaries', () => {
    for (const v of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 21, 2 ** 28 - 1, 2 ** 32 - 1]) {
      const b = written((w) => w.uvarint(v))
      const r = new Reader(b)
      expect(r.uvarint()).toBe(v)
      expect(r.remaining).toBe(0)
    }
    expect(written((w) => w.uvarint(300)).toString('hex')).toBe('ac02')
    expect(() => written((w) => w.uvarint(-1))).toThrow(ProtocolError)
  })

  it('varlong round-trips safe integers', () => {
    const values = [0, -1, 1, 63, -64, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53) + 1]
    for (let shift = 40; shift <= 52; shift++)
      values.push(2 ** shift, -(2 ** shift), 2 ** shift - 1)
    for (const v of values) {
      const r = new Reader(written((w) => w.varlong(v)))
      expect(r.varlong()).toBe(v)
      expect(r.remaining).toBe(0)
    }
    expect(written((w) => w.varlong(-1)).toString('hex')).toBe('01')
    expect(written((w) => w.varlong(150)).toString('hex')).toBe('ac02')
    // 2^48 needs 8 bytes (zigzag 2^49): the reader's BigInt path.
    expect(written((w) => w.varlong(2 ** 48)).toString('hex')).toBe('8080808080808001')
    expect(new Reader(hex('ffffffffffffffffff01')).varlong()).toBe(-(2 ** 63))
  })

  it('rejects overlong and truncated varints', () => {
    expect(() => new Reader(hex('8080808080')).uvarint()).toThrow(ProtocolError)
    expect(() => new Reader(hex('ffffffff7f')).uvarint()).toThrow(ProtocolError)
    expect(() => new Reader(hex('80')).uvarint()).toThrow(ProtocolError)
    expect(() => new Reader(hex('80808080808080808080')).varlong()).toThrow(ProtocolError)
  })
})

describe('fixed-width numbers', () => {
  it('round-trip ints, floats and bools', () => {
    const b = written((w) => {
      w.int8(-128)
      w.int16(-2)
      w.uint16(65535)
      w.int32(-2147483648)
      w.uint32(4294967295)
      w.int64(-1)
      w.int64(2 ** 53 - 1)
      w.int64(-(2 ** 40) - 3)
      w.float64(0.25)
      w.bool(true)
      w.bool(false)
    })
    expect(b.length).toBe(1 + 2 + 2 + 4 + 4 + 8 + 8 + 8 + 8 + 2)
    const r = new Reader(b)
    expect(r.int8()).toBe(-128)
    expect(r.int16()).toBe(-2)
    expect(r.uint16()).toBe(65535)
    expect(r.int32()).toBe(-2147483648)
    expect(r.uint32()).toBe(4294967295)
    expect(r.int64()).toBe(-1)
    expect(r.int64()).toBe(2 ** 53 - 1)
    expect(r.int64()).toBe(-(2 ** 40) - 3)
    expect(r.float64()).toBe(0.25)
    expect(r.bool()).toBe(true)
    expect(r.bool()).toBe(false)
    expect(r.remaining).toBe(0)
    expect(written((w) => w.int64(-1)).toString('hex')).toBe('ffffffffffffffff')
  })

  it('refuses int64 values that are not safe integers', () => {
    expect(() => written((w) => w.int64(2 ** 53))).toThrow(ProtocolError)
    expect(() => written((w) => w.int64(1.5))).toThrow(ProtocolError)
  })

  it('throws ProtocolError on truncated input at every prefix', () => {
    const full = written((w) => {
      w.int32(1)
      w.int64(2)
      w.string('abc')
    })
    for (let n = 0; n < full.length; n++) {
      const r = new Reader(full.subarray(0, n))
      expect(() => {
        r.int32()
        r.int64()
        r.string()
      }).toThrow(ProtocolError)
    }
  })
})

describe('strings and bytes', () => {
  it('classic and compact, nullable and not', () => {
    const b = written((w) => {
      w.string('')
      w.string('héllo')
      w.nullableString(null)
      w.compactString('')
      w.compactString('x')
      w.compactNullableString(null)
    })
    expect(b.toString('hex')).toBe('0000' + '0006' + '68c3a96c6c6f' + 'ffff' + '01' + '0278' + '00')
    const r = new Reader(b)
    expect(r.string()).toBe('')
    expect(r.string()).toBe('héllo')
    expect(r.nullableString()).toBe(null)
    expect(r.compactString()).toBe('')
    expect(r.compactNullableString()).toBe('x')
    expect(r.compactNullableString()).toBe(null)
  })

  it('null where not allowed and negative lengths are ProtocolErrors', () => {
    expect(() => new Reader(hex('ffff')).string()).toThrow(ProtocolError)
    expect(() => new Reader(hex('fffe')).nullableString()).toThrow(ProtocolError)
    expect(() => new Reader(hex('00')).compactString()).toThrow(ProtocolError)
    expect(() => new Reader(hex('fffffffe')).nullableBytes()).toThrow(ProtocolError)
    expect(() => new Reader(hex('ffffffff')).bytes()).toThrow(ProtocolError)
    expect(() => new Reader(hex('0005616263')).string()).toThrow(ProtocolError)
    expect(() => new Reader(hex('7fffffff00')).bytes()).toThrow(ProtocolError)
  })

  it('bytes are subarrays, not copies', () => {
    const b = hex('00000003 010203 04 05060708')
    const r = new Reader(b)
    const got = r.bytes()
    expect(got.buffer).toBe(b.buffer)
    b[4] = 9
    expect(got[0]).toBe(9)
    const c = r.compactNullableBytes()!
    expect([...c]).toEqual([5, 6, 7])
    b[8] = 0xee
    expect(c[0]).toBe(0xee)
  })

  it('uuid round-trip, including all-zero', () => {
    const id = '0123abcd-4567-89ef-fedc-ba9876543210'
    const b = written((w) => {
      w.uuid(id)
      w.uuid(ZERO_UUID)
      w.uuid(id.replace(/-/g, '').toUpperCase())
    })
    expect(b.length).toBe(48)
    const r = new Reader(b)
    expect(r.uuid()).toBe(id)
    expect(r.uuid()).toBe(ZERO_UUID)
    expect(r.uuid()).toBe(id)
    expect(() => written((w) => w.uuid('xyz'))).toThrow(ProtocolError)
    expect(() => written((w) => w.uuid(id + '00'))).toThrow(ProtocolError)
  })
})

describe('arrays and tagged fields', () => {
  it('huge declared array lengths fail before allocating', () => {
    expect(() => new Reader(hex('7fffffff 00000001')).array((r) => r.int32())).toThrow(
      ProtocolError,
    )
    expect(() => new Reader(hex('ffffffff07')).compactArray((r) => r.int8())).toThrow(ProtocolError)
    expect(() => new Reader(hex('00000002 00000001 00')).arrayLength(4)).toThrow(ProtocolError)
    expect(() => new Reader(hex('80000000')).arrayLength()).toThrow(ProtocolError)
  })

  it('array readers and null markers', () => {
    expect(new Reader(hex('00000002 0001 0002')).array((r) => r.int16())).toEqual([1, 2])
    expect(new Reader(hex('03 0001 0002')).compactArray((r) => r.int16())).toEqual([1, 2])
    expect(new Reader(hex('ffffffff')).arrayLength()).toBe(-1)
    expect(new Reader(hex('00')).compactArrayLength()).toBe(-1)
    expect(() => new Reader(hex('ffffffff')).array((r) => r.int8())).toThrow(ProtocolError)
  })

  it('tagged sections skip unknown tags and bound each field', () => {
    const b = hex('02 05 02 abcd 07 01 2a ff')
    const r = new Reader(b)
    const seen: [number, number][] = []
    r.taggedFields((tag, f) => {
      if (tag === 7) seen.push([tag, f.int8()])
      if (tag === 5) expect(f.remaining).toBe(2)
    })
    expect(seen).toEqual([[7, 42]])
    expect(r.offset).toBe(8)
    expect(() => new Reader(hex('01 00 05 00')).taggedFields()).toThrow(ProtocolError)
    expect(() => new Reader(hex('7f')).taggedFields()).toThrow(ProtocolError)
  })
})

describe('Writer chunks', () => {
  const region: FileRegion = { fd: 3, position: 100, length: 5000 }

  it('small buffers are copied, large ones referenced, regions become their own chunk', () => {
    const w = new Writer(64)
    const small = Buffer.alloc(10, 1)
    const large = Buffer.alloc(COPY_THRESHOLD, 2)
    w.int32(1)
    w.raw(small)
    w.raw(large)
    w.int16(7)
    w.region(region)
    w.int8(1)
    const out = w.finish()
    expect(out.length).toBe(4 + 10 + COPY_THRESHOLD + 2 + 5000 + 1)
    expect(out.chunks.length).toBe(5)
    expect((out.chunks[0] as Buffer).length).toBe(14)
    expect(out.chunks[1]).toBe(large)
    expect(isFileRegion(out.chunks[3]!)).toBe(true)
    expect(out.chunks[3]).toBe(region)
    expect(() => concatChunks(out)).toThrow()
  })

  it('grows past the scratch size and reuses space after finish without corrupting chunks', () => {
    const w = new Writer(8)
    for (let i = 0; i < 100; i++) w.int32(i)
    const first = w.finish()
    expect(w.length).toBe(0)
    w.int32(-1)
    w.string('next message')
    const second = w.finish()
    const a = concatChunks(first)
    expect(a.length).toBe(400)
    for (let i = 0; i < 100; i++) expect(a.readInt32BE(i * 4)).toBe(i)
    expect(concatChunks(second).readInt32BE(0)).toBe(-1)
  })

  it('reserveInt32 fills a size in after the body', () => {
    const w = new Writer(8)
    const slot = w.reserveInt32()
    w.string('hello world, longer than the scratch')
    const out = w.finish()
    w.setInt32(slot, out.length - 4)
    const b = concatChunks(out)
    expect(b.readInt32BE(0)).toBe(b.length - 4)
    expect(new Reader(b, 4).string()).toBe('hello world, longer than the scratch')
  })
})
