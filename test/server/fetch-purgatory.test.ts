import { describe, expect, it } from 'vitest'
import { FetchPurgatory } from '../../src/server/fetch-purgatory.js'
import type { AppendSource } from '../../src/server/fetch-purgatory.js'

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

describe('FetchPurgatory', () => {
  it('wakes a parked fetch on an append to one of its partitions', async () => {
    const source = fakeSource()
    const p = new FetchPurgatory(source)
    const parked = p.wait(
      [
        { topic: 'a', partition: 0 },
        { topic: 'b', partition: 1 },
      ],
      10_000,
    )
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
    await expect(p.wait([{ topic: 'a', partition: 0 }], 50)).resolves.toBe('timeout')
    expect(Date.now() - start).toBeGreaterThanOrEqual(45)
    expect(p.size).toBe(0)
  })

  it('wakes all waiters of a partition once and forgets them', async () => {
    const source = fakeSource()
    const p = new FetchPurgatory(source)
    const one = p.wait([{ topic: 't', partition: 0 }], 10_000)
    const two = p.wait([{ topic: 't', partition: 0 }], 10_000)
    source.append('t', 0)
    await expect(Promise.all([one, two])).resolves.toEqual(['append', 'append'])
    source.append('t', 0) // nothing parked: must not throw
    expect(p.size).toBe(0)
  })

  it('close wakes everything and later waits resolve at once', async () => {
    const p = new FetchPurgatory()
    const parked = p.wait([{ topic: 't', partition: 0 }], 10_000)
    const empty = p.wait([], 10_000)
    p.close()
    await expect(parked).resolves.toBe('closed')
    await expect(empty).resolves.toBe('closed')
    await expect(p.wait([{ topic: 't', partition: 0 }], 10_000)).resolves.toBe('closed')
    expect(p.size).toBe(0)
  })

  it('a wait on no partitions still times out', async () => {
    const p = new FetchPurgatory()
    await expect(p.wait([], 10)).resolves.toBe('timeout')
  })
})
