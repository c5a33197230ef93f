import { describe, expect, it } from 'vitest'
import { FetchPurgatory } from '../../src/server/fetch-purgatory.js'
import type { AppendSource, WaitTopic } from '../../src/server/fetch-purgatory.js'

function fakeSource(): AppendSource & { append(topic: string, partition: number): void } {
  const listeners: ((log: { topic: string; partition: number }) => void)[] = []
  return {
    onAppend(listener) {
      listeners.push(listener)
    },
    append(topic, partition) {
      for (const l of listeners) l({ topic, partition })
    },
  }
}

/** The fetch request's shape: topics, each with its partitions. */
function on(...pairs: Array<[string, number]>): WaitTopic[] {
  return pairs.map(([topic, partition]) => ({ topic, partitions: [{ partition }] }))
}

describe('FetchPurgatory', () => {
  it('wakes a parked fetch on an append to one of its partitions', async () => {
    const source = fakeSource()
    const p = new FetchPurgatory(source)
    const parked = p.wait(on(['a', 0], ['b', 1]), 10_000)
    expect(p.size).toBe(1)
    source.append('b', 0) // other partition: stays parked
    source.append('c', 1)
    expect(p.size).toBe(1)
    source.append('b', 1)
    await expect(parked).resolves.toBe('append')
    expect(p.size).toBe(0)
  })

  it('times out when nothing is appended', async () => {
    const p = new FetchPurgatory(fakeSource())
    const start = Date.now()
    await expect(p.wait(on(['a', 0]), 50)).resolves.toBe('timeout')
    expect(Date.now() - start).toBeGreaterThanOrEqual(45)
    expect(p.size).toBe(0)
  })

  it('wakes all waiters of a partition once and forgets them', async () => {
    const source = fakeSource()
    const p = new FetchPurgatory(source)
    const one = p.wait(on(['t', 0]), 10_000)
    const two = p.wait(on(['t', 0]), 10_000)
    source.append('t', 0)
    await expect(Promise.all([one, two])).resolves.toEqual(['append', 'append'])
    source.append('t', 0) // nothing parked: must not throw
    expect(p.size).toBe(0)
  })

  it('close wakes everything and later waits resolve at once', async () => {
    const p = new FetchPurgatory()
    const parked = p.wait(on(['t', 0]), 10_000)
    const empty = p.wait([], 10_000)
    p.close()
    await expect(parked).resolves.toBe('closed')
    await expect(empty).resolves.toBe('closed')
    await expect(p.wait(on(['t', 0]), 10_000)).resolves.toBe('closed')
    expect(p.size).toBe(0)
  })

  it('a wait on no partitions still times out', async () => {
    const p = new FetchPurgatory()
    await expect(p.wait([], 10)).resolves.toBe('timeout')
  })

  it('parks once on a partition listed twice, and wakes every partition of a topic', async () => {
    const source = fakeSource()
    const p = new FetchPurgatory(source)
    const topics = [
      { topic: 't', partitions: [{ partition: 0 }, { partition: 0 }, { partition: 7 }] },
      { topic: 't', partitions: [{ partition: 0 }] },
    ]
    const first = p.wait(topics, 10_000)
    source.append('t', 0)
    await expect(first).resolves.toBe('append')
    const second = p.wait(topics, 10_000)
    source.append('t', 3) // not read by it
    expect(p.size).toBe(1)
    source.append('t', 7)
    await expect(second).resolves.toBe('append')
    expect(p.size).toBe(0)
  })

  it('forgets topics nothing is parked on at the sweep, and keeps the others', async () => {
    const source = fakeSource()
    const p = new FetchPurgatory(source)
    const gone = p.wait(on(['deleted', 0]), 10_000)
    const kept = p.wait(on(['kept', 1]), 10_000)
    source.append('deleted', 0)
    await expect(gone).resolves.toBe('append')
    expect(p.topicsTracked).toBe(2)
    p.sweep()
    expect(p.topicsTracked).toBe(1)
    source.append('kept', 1)
    await expect(kept).resolves.toBe('append')
    // The swept topic is tracked again from its next wait.
    const again = p.wait(on(['deleted', 0]), 10_000)
    source.append('deleted', 0)
    await expect(again).resolves.toBe('append')
    p.close()
    expect(p.topicsTracked).toBe(0)
  })
})
