import { describe, expect, it } from 'vitest'
import { crc32c } from '../../src/native/index.js'
import { buildRecordBatch } from '../../src/log/batch-builder.js'
import {
  ATTRIBUTES,
  ATTR_TIMESTAMP_TYPE,
  CRC,
  HEADER_SIZE,
  batchBaseOffset,
  batchCrcValid,
  batchMaxTimestamp,
  batchRecordsCount,
  incrementSequence,
  patchBatch,
  setLogAppendTime,
  validateBatch,
} from '../../src/log/record-batch.js'
import { errName } from './helpers.js'

describe('buildRecordBatch', () => {
  it('writes a v2 header with correct CRC, counts and timestamps', () => {
    const b = buildRecordBatch({
      records: [
        { key: Buffer.from('k'), value: Buffer.from('v1'), timestamp: 1000 },
        { value: null, timestamp: 1500, headers: [{ key: 'h', value: Buffer.from('x') }] },
      ],
    })
    expect(b[16]).toBe(2)
    expect(b.readInt32BE(8) + 12).toBe(b.length)
    expect(batchRecordsCount(b, 0)).toBe(2)
    expect(b.readInt32BE(23)).toBe(1)
    expect(batchMaxTimestamp(b, 0)).toBe(1500)
    expect(b.readUInt32BE(CRC)).toBe(crc32c(b.subarray(ATTRIBUTES)))
    // First record: length varint, attributes 0, timestamp delta 0, offset delta 0, key len 1 (zigzag 2).
    const len = b[HEADER_SIZE] >> 1
    expect(b[HEADER_SIZE + 1]).toBe(0)
    expect(b[HEADER_SIZE + 4]).toBe(2)
    expect(b.subarray(HEADER_SIZE + 5, HEADER_SIZE + 6).toString()).toBe('k')
    expect(len).toBeGreaterThan(5)
  })
})

describe('validateBatch', () => {
  const good = (): Buffer =>
    buildRecordBatch({ records: [{ value: Buffer.from('a') }, { value: Buffer.from('b') }] })

  it('accepts a valid batch and returns its size', () => {
    const b = good()
    expect(validateBatch(b, 0, b.length, 1 << 20)).toBe(b.length)
  })
  it('rejects a length that does not fit with CORRUPT_MESSAGE', () => {
    const b = good()
    expect(errName(() => validateBatch(b, 0, b.length - 1, 1 << 20))).toBe('CORRUPT_MESSAGE')
    expect(errName(() => validateBatch(b, 0, 30, 1 << 20))).toBe('CORRUPT_MESSAGE')
    b.writeInt32BE(10, 8)
    expect(errName(() => validateBatch(b, 0, b.length, 1 << 20))).toBe('CORRUPT_MESSAGE')
  })
  it('rejects magic 0/1 with INVALID_RECORD', () => {
    const b = good()
    b[16] = 1
    expect(errName(() => validateBatch(b, 0, b.length, 1 << 20))).toBe('INVALID_RECORD')
  })
  it('rejects inconsistent record counts with INVALID_RECORD', () => {
    const b = good()
    b.writeInt32BE(5, 57)
    expect(errName(() => validateBatch(b, 0, b.length, 1 << 20))).toBe('INVALID_RECORD')
    const c = good()
    c.writeInt32BE(0, 57)
    c.writeInt32BE(-1, 23)
    expect(errName(() => validateBatch(c, 0, c.length, 1 << 20))).toBe('INVALID_RECORD')
  })
  it('rejects a flipped bit with CORRUPT_MESSAGE', () => {
    const b = good()
    b[b.length - 1] ^= 0x01
    expect(errName(() => validateBatch(b, 0, b.length, 1 << 20))).toBe('CORRUPT_MESSAGE')
  })
  it('rejects batches above max.message.bytes with MESSAGE_TOO_LARGE', () => {
    const b = good()
    expect(errName(() => validateBatch(b, 0, b.length, b.length - 1))).toBe('MESSAGE_TOO_LARGE')
  })
})

describe('patching', () => {
  it('patches offset and leader epoch without breaking the CRC', () => {
    const b = buildRecordBatch({ records: [{ value: Buffer.from('a') }] })
    patchBatch(b, 0, 2 ** 40 + 7, 12)
    expect(batchBaseOffset(b, 0)).toBe(2 ** 40 + 7)
    expect(b.readInt32BE(12)).toBe(12)
    expect(batchCrcValid(b, 0, b.length)).toBe(true)
  })
  it('LogAppendTime sets the attribute and max timestamp and recomputes the CRC', () => {
    const b = buildRecordBatch({ records: [{ value: Buffer.from('a'), timestamp: 5 }] })
    setLogAppendTime(b, 0, b.length, 123456789)
    expect(b.readInt16BE(ATTRIBUTES) & ATTR_TIMESTAMP_TYPE).toBe(ATTR_TIMESTAMP_TYPE)
    expect(batchMaxTimestamp(b, 0)).toBe(123456789)
    expect(batchCrcValid(b, 0, b.length)).toBe(true)
  })
  it('sequence numbers wrap from INT32_MAX to 0', () => {
    expect(incrementSequence(5, 3)).toBe(8)
    expect(incrementSequence(2147483647, 1)).toBe(0)
    expect(incrementSequence(2147483646, 3)).toBe(1)
  })
})
