import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  formatCheckpoint,
  parseCheckpoint,
  readCheckpointFile,
  writeCheckpointFile,
} from '../../src/log/checkpoint.js'
import { realFileSystem } from '../../src/log/fs.js'
import { ProducerStateManager } from '../../src/log/producer-state.js'
import type { KafkaError } from '../../src/protocol/errors.js'
import { rmDir, tmpDir } from './helpers.js'

let dir: string
beforeEach(() => {
  dir = tmpDir()
})
afterEach(() => rmDir(dir))

describe('checkpoint files', () => {
  it("use Kafka's text format and are written atomically", async () => {
    const entries = [
      { topic: 'a-b', partition: 0, offset: 42 },
      { topic: 'c', partition: 7, offset: 0 },
    ]
    expect(formatCheckpoint(entries)).toBe('0\n2\na-b 0 42\nc 7 0\n')
    const file = path.join(dir, 'recovery-point-offset-checkpoint')
    await writeCheckpointFile(realFileSystem, file, entries)
    expect(fs.readFileSync(file, 'utf8')).toBe('0\n2\na-b 0 42\nc 7 0\n')
    expect(fs.existsSync(file + '.tmp')).toBe(false)
    expect([...readCheckpointFile(realFileSystem, file)]).toEqual([
      ['a-b-0', 42],
      ['c-7', 0],
    ])
  })
  it('rejects malformed files', () => {
    expect(() => parseCheckpoint('1\n0\n')).toThrow()
    expect(() => parseCheckpoint('0\n2\na 0 1\n')).toThrow()
    expect(() => parseCheckpoint('0\n1\na x 1\n')).toThrow()
    expect(parseCheckpoint('0\n0\n')).toEqual([])
  })
})

describe('producer state', () => {
  const code = (fn: () => unknown): string => {
    try {
      fn()
      return 'NONE'
    } catch (err) {
      return (err as KafkaError).errorName
    }
  }

  it('accepts an unknown producer, then requires consecutive sequences', () => {
    const ps = new ProducerStateManager()
    expect(ps.check(7, 0, 10, 4, false, null).kind).toBe('append')
    ps.update(7, 0, 10, 100, 104, false)
    expect(ps.check(7, 0, 15, 0, false, null).kind).toBe('append')
    expect(code(() => ps.check(7, 0, 17, 0, false, null))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(code(() => ps.check(7, 0, 14, 0, false, null))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
  })
  it('answers a retry of any of the last 5 batches as a duplicate with its offsets', () => {
    const ps = new ProducerStateManager()
    for (let i = 0; i < 7; i++) ps.update(1, 3, i * 2, 1000 + i * 2, 1001 + i * 2, false)
    const dup = ps.check(1, 3, 8, 1, false, null)
    expect(dup).toEqual({ kind: 'duplicate', firstOffset: 1008, lastOffset: 1009 })
    // The oldest two batches are no longer retained: a retry is out of order.
    expect(code(() => ps.check(1, 3, 2, 1, false, null))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
  })
  it('fences older epochs; a new epoch starts at 0', () => {
    const ps = new ProducerStateManager()
    ps.update(1, 5, 0, 0, 0, false)
    expect(code(() => ps.check(1, 4, 1, 0, false, null))).toBe('INVALID_PRODUCER_EPOCH')
    expect(code(() => ps.check(1, 6, 3, 0, false, null))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(ps.check(1, 6, 0, 0, false, null).kind).toBe('append')
  })
  it('checks several batches of one append against each other through the staging map', () => {
    const ps = new ProducerStateManager()
    ps.update(2, 0, 0, 0, 0, false)
    const pending = new Map()
    expect(ps.check(2, 0, 1, 1, false, pending).kind).toBe('append')
    ps.update(2, 0, 1, 1, 2, false, pending)
    expect(code(() => ps.check(2, 0, 1, 1, false, pending))).toBe('NONE') // duplicate within staging
    expect(ps.check(2, 0, 3, 0, false, pending).kind).toBe('append')
    expect(ps.producers.get(2)?.batches).toHaveLength(1) // live state untouched until commit
    ps.commit(pending)
    expect(ps.producers.get(2)?.batches).toHaveLength(2)
  })
  it('wraps sequences at INT32_MAX', () => {
    const ps = new ProducerStateManager()
    ps.update(3, 0, 2147483646, 0, 1, false)
    expect(ps.check(3, 0, 0, 0, false, null).kind).toBe('append')
  })
  it('round-trips through a snapshot', () => {
    const ps = new ProducerStateManager()
    ps.update(9, 2, 0, 50, 59, false)
    const copy = new ProducerStateManager()
    expect(copy.deserialize(ps.serialize(60))).toBe(60)
    expect(copy.check(9, 2, 0, 9, false, null)).toEqual({
      kind: 'duplicate',
      firstOffset: 50,
      lastOffset: 59,
    })
    expect(copy.deserialize('{"garbage":')).toBe(-1)
  })
})
