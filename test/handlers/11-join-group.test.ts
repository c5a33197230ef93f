import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { handleJoinGroup } from '../../src/handlers/11-join-group.js'
import { handleSyncGroup } from '../../src/handlers/14-sync-group.js'
import { handleHeartbeat } from '../../src/handlers/12-heartbeat.js'
import { handleLeaveGroup } from '../../src/handlers/13-leave-group.js'
import {
  JoinGroupRequestSchema,
  JoinGroupResponseSchema,
} from '../../src/protocol/messages/join-group.js'
import type { JoinGroupRequest, JoinGroupResponse } from '../../src/protocol/messages/join-group.js'
import {
  SyncGroupRequestSchema,
  SyncGroupResponseSchema,
} from '../../src/protocol/messages/sync-group.js'
import {
  HeartbeatRequestSchema,
  HeartbeatResponseSchema,
} from '../../src/protocol/messages/heartbeat.js'
import {
  LeaveGroupRequestSchema,
  LeaveGroupResponseSchema,
} from '../../src/protocol/messages/leave-group.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import { encodeToBuffer, roundTripAllVersions } from '../protocol/round-trip.js'
import { openGroupFixture } from '../group/fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

let b: BrokerFixture
beforeAll(async () => {
  b = await openGroupFixture()
})
afterAll(async () => {
  await b.close()
})

function req(over: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'hg',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from([1, 2]) }],
    ...over,
  }
}

describe('JoinGroup / SyncGroup / Heartbeat / LeaveGroup schemas', () => {
  it('round-trip every served version', () => {
    roundTripAllVersions(JoinGroupRequestSchema, () => req({ groupInstanceId: 'i' }))
    roundTripAllVersions(JoinGroupResponseSchema, () => ({
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: 3,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: 'm1',
      memberId: 'm1',
      members: [{ memberId: 'm1', groupInstanceId: 'i', metadata: Buffer.from([9]) }],
    }))
    roundTripAllVersions(SyncGroupRequestSchema, () => ({
      groupId: 'g',
      generationId: 1,
      memberId: 'm',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [{ memberId: 'm', assignment: Buffer.from([1]) }],
    }))
    roundTripAllVersions(SyncGroupResponseSchema, () => ({
      throttleTimeMs: 0,
      errorCode: 0,
      protocolType: null,
      protocolName: null,
      assignment: Buffer.from([4]),
    }))
    roundTripAllVersions(HeartbeatRequestSchema, () => ({
      groupId: 'g',
      generationId: 1,
      memberId: 'm',
      groupInstanceId: null,
    }))
    roundTripAllVersions(HeartbeatResponseSchema, () => ({ throttleTimeMs: 0, errorCode: 27 }))
    roundTripAllVersions(LeaveGroupRequestSchema, () => ({
      groupId: 'g',
      memberId: 'm',
      members: [{ memberId: 'm', groupInstanceId: 'i' }],
    }))
    roundTripAllVersions(LeaveGroupResponseSchema, () => ({
      throttleTimeMs: 0,
      errorCode: 0,
      members: [{ memberId: 'm', groupInstanceId: null, errorCode: 25 }],
    }))
  })
})

describe('group membership handlers', () => {
  it('v0 joins at once (no member id round); errors encode with an empty protocol name before v7', async () => {
    const bad = await handleJoinGroup(req({ groupId: '' }), b.ctx(11, 0))
    expect(bad.errorCode).toBe(ErrorCode.INVALID_GROUP_ID)
    expect(bad.protocolName).toBe('')
    encodeToBuffer(JoinGroupResponseSchema, 0, bad)
    const v7 = await handleJoinGroup(req({ groupId: '' }), b.ctx(11, 7))
    expect(v7.protocolName).toBeNull()
    const r = await handleJoinGroup(req({ groupId: 'v0' }), b.ctx(11, 0))
    expect(r).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range' })
  })

  it('v5 two-step join, sync, heartbeat, leave (v3 batch)', async () => {
    const first = await handleJoinGroup(req(), b.ctx(11, 5))
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED)
    const joined: JoinGroupResponse = await handleJoinGroup(
      req({ memberId: first.memberId }),
      b.ctx(11, 5),
    )
    expect(joined).toMatchObject({ errorCode: 0, leader: first.memberId, generationId: 1 })
    const synced = await handleSyncGroup(
      {
        groupId: 'hg',
        generationId: 1,
        memberId: first.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: [{ memberId: first.memberId, assignment: Buffer.from('x') }],
      },
      b.ctx(14, 5),
    )
    expect(synced).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' })
    expect(synced.assignment.toString()).toBe('x')
    const hb = handleHeartbeat(
      { groupId: 'hg', generationId: 1, memberId: first.memberId, groupInstanceId: null },
      b.ctx(12, 4),
    )
    expect(hb.errorCode).toBe(0)
    const old = handleLeaveGroup({ groupId: 'hg', memberId: 'ghost', members: [] }, b.ctx(13, 1))
    expect(old.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    const left = handleLeaveGroup(
      {
        groupId: 'hg',
        memberId: '',
        members: [{ memberId: first.memberId, groupInstanceId: null }],
      },
      b.ctx(13, 3),
    )
    expect(left.members).toEqual([
      { memberId: first.memberId, groupInstanceId: null, errorCode: 0 },
    ])
    expect(b.services.groups?.group('hg')?.state).toBe('Empty')
  })
})
