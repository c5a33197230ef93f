import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handleFindCoordinator } from '../../src/handlers/10-find-coordinator.js'
import {
  FindCoordinatorRequestSchema,
  FindCoordinatorResponseSchema,
} from '../../src/protocol/messages/find-coordinator.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import { roundTripAllVersions } from '../protocol/round-trip.js'
import { openGroupFixture } from '../group/fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

let b: BrokerFixture
beforeAll(async () => {
  b = await openGroupFixture()
})
afterAll(async () => {
  await b.close()
})

describe('FindCoordinator', () => {
  it('round-trips v0-4', () => {
    roundTripAllVersions(FindCoordinatorRequestSchema, () => ({
      key: 'g',
      keyType: 0,
      coordinatorKeys: ['a', 'b'],
    }))
    roundTripAllVersions(FindCoordinatorResponseSchema, () => ({
      throttleTimeMs: 1,
      errorCode: 0,
      errorMessage: null,
      nodeId: 7,
      host: 'h',
      port: 9,
      coordinators: [{ key: 'a', nodeId: 7, host: 'h', port: 9, errorCode: 0, errorMessage: null }],
    }))
  })

  it('a group key answers this node; transactions are not coordinated here', () => {
    const r = handleFindCoordinator({ key: 'g', keyType: 0, coordinatorKeys: [] }, b.ctx(10, 0))
    expect(r).toMatchObject({ errorCode: 0, nodeId: 7, host: 'broker.example', port: 19092 })
    const t = handleFindCoordinator({ key: 'tx', keyType: 1, coordinatorKeys: [] }, b.ctx(10, 1))
    expect(t.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE)
    const bad = handleFindCoordinator({ key: 'x', keyType: 9, coordinatorKeys: [] }, b.ctx(10, 2))
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST)
  })

  it('v4 answers each batched key', () => {
    const r = handleFindCoordinator(
      { key: '', keyType: 0, coordinatorKeys: ['a', ''] },
      b.ctx(10, 4),
    )
    expect(r.coordinators.map((c) => [c.key, c.nodeId, c.errorCode])).toEqual([
      ['a', 7, 0],
      ['', -1, ErrorCode.INVALID_GROUP_ID],
    ])
  })
})
