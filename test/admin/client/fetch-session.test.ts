import { describe, expect, it } from 'vitest'
import { fetchRequest } from '../../../src/admin/client/client.js'
import { FetchSessionClient } from '../../../src/admin/client/fetch-session.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import type { FetchPartition, FetchTopic } from '../../../src/protocol/messages/fetch.js'

function part(partition: number, fetchOffset = 0): FetchPartition {
  return {
    partition,
    currentLeaderEpoch: -1,
    fetchOffset,
    lastFetchedEpoch: -1,
    logStartOffset: -1,
    partitionMaxBytes: 1 << 20,
  }
}

function setup(): {
  request: ReturnType<typeof fetchRequest>
  wanted: FetchTopic[]
  client: FetchSessionClient
  sent: () => string[]
  forgotten: () => string[]
} {
  const request = fetchRequest('t', [])
  const wanted: FetchTopic[] = [
    { topic: 't', partitions: [part(0), part(1), part(2)] },
    { topic: 'u', partitions: [part(0)] },
  ]
  const client = new FetchSessionClient()
  const flat = (ts: { topic: string; partitions: Array<number | FetchPartition> }[]): string[] =>
    ts.flatMap((t) =>
      t.partitions.map((p) => `${t.topic}-${typeof p === 'number' ? p : p.partition}`),
    )
  return {
    request,
    wanted,
    client,
    sent: () => flat(request.topics),
    forgotten: () => flat(request.forgottenTopicsData),
  }
}

describe('FetchSessionClient (the fetcher side of KIP-227)', () => {
  it('asks for a session in full, then sends only partitions whose fields changed', () => {
    const { request, wanted, client, sent } = setup()
    client.prepare(request, wanted)
    expect([request.sessionId, request.sessionEpoch]).toEqual([0, 0])
    expect(sent()).toEqual(['t-0', 't-1', 't-2', 'u-0'])
    expect(client.answered(0, 4242)).toBe(true)

    wanted[0]!.partitions[1]!.fetchOffset = 10
    client.prepare(request, wanted)
    expect([request.sessionId, request.sessionEpoch]).toEqual([4242, 1])
    expect(sent()).toEqual(['t-1'])
    client.answered(0, 4242)

    client.prepare(request, wanted)
    expect(request.sessionEpoch).toBe(2)
    expect(sent()).toEqual([])
    client.answered(0, 4242)
    // A follower's log start and leader epoch are session fields too.
    wanted[0]!.partitions[2]!.logStartOffset = 5
    wanted[1]!.partitions[0]!.currentLeaderEpoch = 3
    client.prepare(request, wanted)
    expect(sent()).toEqual(['t-2', 'u-0'])
    expect(client.incrementalFetches).toBe(3)
  })

  it('forgets partitions no longer wanted, and sends them again once they are', () => {
    const { request, wanted, client, sent, forgotten } = setup()
    client.prepare(request, wanted)
    client.answered(0, 7)
    const t1 = wanted[0]!.partitions.splice(1, 1)[0]!
    const u = wanted.splice(1, 1)[0]!
    client.prepare(request, wanted)
    expect(sent()).toEqual([])
    expect(forgotten()).toEqual(['t-1', 'u-0'])
    client.answered(0, 7)
    client.prepare(request, wanted)
    expect(forgotten()).toEqual([])
    client.answered(0, 7)
    wanted[0]!.partitions.push(t1)
    wanted.push(u)
    client.prepare(request, wanted)
    expect(sent()).toEqual(['t-1', 'u-0'])
    expect(forgotten()).toEqual([])
  })

  it('falls back to a full fetch when the session is lost or a request may not have arrived', () => {
    const { request, wanted, client, sent } = setup()
    client.prepare(request, wanted)
    client.answered(0, 7)
    client.prepare(request, wanted)
    // Out of step: the full fetch names the session so that the broker closes it.
    expect(client.answered(ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0)).toBe(false)
    client.prepare(request, wanted)
    expect([request.sessionId, request.sessionEpoch]).toEqual([7, 0])
    expect(sent()).toEqual(['t-0', 't-1', 't-2', 'u-0'])
    client.answered(0, 8)
    client.prepare(request, wanted)
    // Unknown to the broker: forgotten here too.
    expect(client.answered(ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 0)).toBe(false)
    client.prepare(request, wanted)
    expect([request.sessionId, request.sessionEpoch]).toEqual([0, 0])
    // No session granted (session id 0): the next fetch is full and asks again.
    client.answered(0, 0)
    client.prepare(request, wanted)
    expect([request.sessionId, request.sessionEpoch]).toEqual([0, 0])
    expect(sent()).toEqual(['t-0', 't-1', 't-2', 'u-0'])
    // Another error is the caller's; the session state does not move.
    client.answered(0, 9)
    expect(client.answered(ErrorCode.UNKNOWN_SERVER_ERROR, 9)).toBe(true)
    client.prepare(request, wanted)
    expect([request.sessionId, request.sessionEpoch]).toEqual([9, 1])
    // A broken connection: full again, naming the session to close.
    client.reset()
    client.prepare(request, wanted)
    expect([request.sessionId, request.sessionEpoch]).toEqual([9, 0])
    expect(sent()).toEqual(['t-0', 't-1', 't-2', 'u-0'])
  })
})
