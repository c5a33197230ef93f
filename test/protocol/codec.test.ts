import { describe, expect, it } from 'vitest'
import type { FileRegion } from '../../src/native/index.js'
import { ProtocolError, Reader } from '../../src/protocol/primitives/reader.js'
import { Writer, isFileRegion } from '../../src/protocol/primitives/writer.js'
import {
  decodeMessage,
  encodeMessage,
  messageVersionIsFlexible,
} from '../../src/protocol/schema/codec.js'
import { array, field, message, parseVersions, struct } from '../../src/protocol/schema/dsl.js'
import { decodeFromBuffer, encodeToBuffer, roundTripAllVersions } from './round-trip.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

const Sample = message({
  name: 'Sample',
  apiKey: 1000,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    field('name', 'string', '0+', { nullableVersions: '1+' }),
    field('count', 'int32', '1+', { default: -1 }),
    field('flag', 'bool', '0+'),
    array('ids', '0+', 'int32', { nullableVersions: '3+' }),
    array('items', '0+', [field('k', 'string', '0+'), field('v', 'bytes', '0+')]),
    struct('inner', '1+', [field('a', 'int16', '1+'), field('b', 'uuid', '1+')], {
      nullableVersions: '3+',
    }),
    field('note', 'string', '2+', { tag: 0, taggedVersions: '2+', default: 'none' }),
    field('extra', 'int64', '3+', { tag: 5, taggedVersions: '3+', default: 0 }),
  ],
})

describe('version strings', () => {
  it('parses Kafka version ranges', () => {
    expect(parseVersions('0+')).toEqual({ min: 0, max: 0x7fff })
    expect(parseVersions('3-7')).toEqual({ min: 3, max: 7 })
    expect(parseVersions('4')).toEqual({ min: 4, max: 4 })
    const none = parseVersions('none')
    expect(none.min > none.max).toBe(true)
    expect(() => parseVersions('7-3')).toThrow()
    expect(() => parseVersions('x')).toThrow()
  })

  it('flexibility follows flexibleVersions', () => {
    expect(messageVersionIsFlexible(Sample, 1)).toBe(false)
    expect(messageVersionIsFlexible(Sample, 2)).toBe(true)
  })
})

describe('codec', () => {
  const full = {
    name: 'n',
    count: 9,
    flag: true,
    ids: [1, 2],
    items: [{ k: 'a', v: Buffer.from([1, 2]) }],
    inner: { a: 3, b: '00000000-0000-0000-0000-00000000000a' },
    note: 'hello',
    extra: 77,
  }

  it('round-trips a sample in every version', () => {
    roundTripAllVersions(Sample, () => full)
  })

  it('gives defaults for fields absent in a version', () => {
    const v0 = decodeFromBuffer<typeof full>(Sample, 0, encodeToBuffer(Sample, 0, full))
    expect(v0.count).toBe(-1)
    // Nullable in some version and absent here: null (the documented rule).
    expect(v0.inner).toBe(null)
    expect(v0.note).toBe('none')
    expect(v0.extra).toBe(0)
  })

  it('encodes v0 byte-exactly (classic forms, no tagged section)', () => {
    const b = encodeToBuffer(Sample, 0, full)
    expect(b.toString('hex')).toBe(
      '0001' +
        '6e' +
        '01' +
        '00000002' +
        '00000001' +
        '00000002' +
        '00000001' +
        '0001' +
        '61' +
        '00000002' +
        '0102',
    )
  })

  it('encodes v3 byte-exactly (compact forms, tags in ascending order, nested sections)', () => {
    const b = encodeToBuffer(Sample, 3, full)
    expect(b.toString('hex')).toBe(
      '026e' +
        '00000009' +
        '01' +
        '03' +
        '00000001' +
        '00000002' +
        '02' +
        '0261' +
        '030102' +
        '00' +
        '01' +
        '0003' +
        '0000000000000000000000000000000a' +
        '00' +
        '02' +
        '00' +
        '06' +
        '0668656c6c6f' +
        '05' +
        '08' +
        '000000000000004d',
    )
  })

  it('omits tagged fields equal to their default', () => {
    const b = encodeToBuffer(Sample, 3, { ...full, note: 'none', extra: 0 })
    expect(b.at(-1)).toBe(0)
    const d = decodeFromBuffer<typeof full>(Sample, 3, b)
    expect(d.note).toBe('none')
  })

  it('skips unknown tags when decoding', () => {
    const b = encodeToBuffer(Sample, 2, { ...full, note: 'none' })
    // Replace the empty trailing tagged section with one holding unknown tag 9 (3 bytes).
    const withUnknown = Buffer.concat([b.subarray(0, b.length - 1), hex('01 09 03 aabbcc')])
    const d = decodeFromBuffer<typeof full>(Sample, 2, withUnknown)
    expect(d.name).toBe('n')
    expect(d.note).toBe('none')
  })

  it('handles nulls where the version allows them and rejects them elsewhere', () => {
    const withNulls = { ...full, name: null, ids: null, inner: null }
    const d = decodeFromBuffer<typeof withNulls>(Sample, 3, encodeToBuffer(Sample, 3, withNulls))
    expect(d.name).toBe(null)
    expect(d.ids).toBe(null)
    expect(d.inner).toBe(null)
    expect(() => encodeToBuffer(Sample, 0, { ...full, name: null })).toThrow(
      /Sample\.name: null is not allowed/,
    )
    expect(() => encodeToBuffer(Sample, 2, { ...full, ids: null })).toThrow(/Sample\.ids/)
    expect(() => encodeToBuffer(Sample, 2, { ...full, inner: null })).toThrow(/Sample\.inner/)
    expect(() =>
      encodeToBuffer(Sample, 1, { ...full, items: [{ k: null, v: Buffer.alloc(0) }] }),
    ).toThrow(/Sample\.items\[\]\.k/)
  })

  it('treats undefined fields as their defaults when encoding', () => {
    const d = decodeFromBuffer<typeof full>(Sample, 1, encodeToBuffer(Sample, 1, { flag: true }))
    expect(d).toMatchObject({ name: null, count: -1, flag: true, ids: [], items: [] })
  })

  it('rejects versions outside validVersions', () => {
    expect(() => decodeMessage(Sample, 4, new Reader(Buffer.alloc(10)))).toThrow(ProtocolError)
    expect(() => encodeMessage(Sample, -1, full, new Writer())).toThrow(ProtocolError)
  })

  it('decode errors are ProtocolErrors (null in non-nullable array)', () => {
    expect(() => decodeMessage(Sample, 0, new Reader(hex('0001 6e 01 ffffffff')))).toThrow(
      ProtocolError,
    )
  })
})

describe('records fields', () => {
  const Recs = message({
    name: 'Recs',
    apiKey: 1001,
    validVersions: '0-1',
    flexibleVersions: '1+',
    fields: [
      field('id', 'int32', '0+'),
      field('records', 'records', '0+', { nullableVersions: '0+' }),
      field('tail', 'int8', '0+'),
    ],
  })
  const regions: FileRegion[] = [
    { fd: 5, position: 0, length: 1000 },
    { fd: 6, position: 4096, length: 24 },
  ]

  it('encodes file regions as separate chunks with the right length prefix', () => {
    for (const v of [0, 1]) {
      const w = new Writer()
      encodeMessage(Recs, v, { id: 1, records: { regions, bytes: 1024 }, tail: 7 }, w)
      const out = w.finish()
      expect(out.chunks.length).toBe(4)
      expect(out.chunks[1]).toBe(regions[0])
      expect(out.chunks[2]).toBe(regions[1])
      const head = out.chunks[0] as Buffer
      if (v === 0) expect(head.toString('hex')).toBe('00000001' + '00000400')
      else expect(head.toString('hex')).toBe('00000001' + '8108')
      expect(isFileRegion(out.chunks[3]!)).toBe(false)
      expect(out.length).toBe(head.length + 1024 + (out.chunks[3] as Buffer).length)
    }
  })

  it('rejects regions whose lengths disagree with bytes', () => {
    expect(() =>
      encodeMessage(Recs, 0, { id: 1, records: { regions, bytes: 5 }, tail: 0 }, new Writer()),
    ).toThrow(/regions add up to 1024/)
  })

  it('decodes records as a subarray and null as null', () => {
    const b = encodeToBuffer(Recs, 1, { id: 2, records: Buffer.from('abc'), tail: 1 })
    const d = decodeFromBuffer<{ records: Buffer }>(Recs, 1, b)
    expect(d.records.buffer).toBe(b.buffer)
    expect(d.records.toString()).toBe('abc')
    const n = decodeFromBuffer<{ records: Buffer | null }>(
      Recs,
      0,
      encodeToBuffer(Recs, 0, { id: 2, records: null, tail: 1 }),
    )
    expect(n.records).toBe(null)
  })
})
