import { describe, expect, it } from 'vitest'
import { fetchRequest } from '../../../src/admin/client/client.js'
import { FetchSessionClient } from '../../../src/cli/perf/fetch-session.js'
import { ErrorCode } from '../../../src/protocol/errors.js'

function setup(): {
  request: ReturnType<typeof fetchRequest>
  all: ReturnType<typeof fetchRequest>['topics'][number]['partitions']
  client: FetchSessionClient
  sent: () => number[]
} {
  const request = fetchRequest(
    't',
    [0, 1, 2].map((partition) => ({ partition, offset: 0 })),
  )
  const all = request.topics[0]!.partitions
  const client = new FetchSessionClient(all)
  return { request, all, client, sent: () => request.topics[0]!.partitions.map((p) => p.partition) }
}

describe('FetchSessionClient (the fetcher side of KIP-227)', () => {
  it('asks for a session in full, then sends only partitions whose offset moved', () => {
    const { request, all, client, sent } = setup()
    client.prepare(request)
    expect([request.sessionId, request.sessionEpoch]).toEqual([0, 0])
    expect(sent()).toEqual([0, 1, 2])
    expect(client.answered(0, 4242)).toBe(true)

    all[1]!.fetchOffset = 10
    client.prepare(request)
    expect([request.sessionId, request.sessionEpoch]).toEqual([4242, 1])
    expect(sent()).toEqual([1])
    client.answered(0, 4242)

    client.prepare(request)
    expect(request.sessionEpoch).toBe(2)
    expect(sent()).toEqual([])
    expect(client.incrementalFetches).toBe(2)
  })

  it('falls back to a full fetch when the session is lost; stays full without one', () => {
    const { request, all, client, sent } = setup()
    client.prepare(request)
    client.answered(0, 7)
    client.prepare(request)
    expect(client.answered(ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0)).toBe(false)
    all[2]!.fetchOffset = 5
    client.prepare(request)
    expect([request.sessionId, request.sessionEpoch]).toEqual([0, 0])
    expect(sent()).toEqual([0, 1, 2])
    // No session granted (session id 0): the next fetch is full and asks again.
    client.answered(0, 0)
    client.prepare(request)
    expect([request.sessionId, request.sessionEpoch]).toEqual([0, 0])
    expect(sent()).toEqual([0, 1, 2])
    // Another error is the caller's; the session state does not move.
    client.answered(0, 9)
    expect(client.answered(ErrorCode.UNKNOWN_SERVER_ERROR, 9)).toBe(true)
    client.prepare(request)
    expect([request.sessionId, request.sessionEpoch]).toEqual([9, 1])
  })
})
