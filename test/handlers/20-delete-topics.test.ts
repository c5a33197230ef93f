import { existsSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { handleDeleteTopics } from '../../src/handlers/20-delete-topics.js'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import {
  DeleteTopicsRequestSchema,
  DeleteTopicsResponseSchema,
} from '../../src/protocol/messages/delete-topics.js'
import { roundTripAllVersions } from '../protocol/round-trip.js'
import { openBrokerFixture } from '../metadata/broker-fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

describe('DeleteTopics schema', () => {
  it('round-trips v0-5', () => {
    const enc = roundTripAllVersions(DeleteTopicsRequestSchema, () => ({
      topicNames: ['a', 'bb'],
      timeoutMs: 500,
    }))
    expect(enc.get(4)).toEqual(Buffer.from([3, 2, 0x61, 3, 0x62, 0x62, 0, 0, 1, 0xf4, 0]))
    roundTripAllVersions(DeleteTopicsResponseSchema, () => ({
      throttleTimeMs: 1,
      responses: [{ name: 'a', errorCode: 3, errorMessage: 'gone' }],
    }))
  })
})

describe('DeleteTopics handler', () => {
  let b: BrokerFixture
  beforeEach(async () => {
    b = await openBrokerFixture()
    await topicManagerFor(b.services).create('victim', 2, {})
  })
  afterEach(async () => {
    await b.close()
  })

  it('deletes the store entry and every partition log', async () => {
    const dir = b.services.logs.get('victim', 1)!.dir
    expect(existsSync(dir)).toBe(true)
    const res = await handleDeleteTopics(
      { topicNames: ['victim', 'ghost'], timeoutMs: 1000 },
      b.ctx(20, 5),
    )
    expect(res.responses).toEqual([
      { name: 'victim', errorCode: 0, errorMessage: null },
      {
        name: 'ghost',
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: expect.stringContaining('ghost') as string,
      },
    ])
    expect(b.services.topics.get('victim')).toBeUndefined()
    expect(b.services.logs.get('victim', 0)).toBeUndefined()
    expect(existsSync(dir)).toBe(false)
  })

  it('a name listed twice is INVALID_REQUEST and not deleted', async () => {
    const res = await handleDeleteTopics(
      { topicNames: ['victim', 'victim'], timeoutMs: 1 },
      b.ctx(20, 1),
    )
    expect(res.responses.map((r) => r.errorCode)).toEqual([ErrorCode.INVALID_REQUEST])
    expect(b.services.topics.get('victim')).toBeDefined()
  })

  it('delete.topic.enable=false: TOPIC_DELETION_DISABLED (v3+), INVALID_REQUEST before', async () => {
    const off = await openBrokerFixture([['delete.topic.enable', 'false']])
    try {
      await topicManagerFor(off.services).create('keep', 1, {})
      const v3 = await handleDeleteTopics({ topicNames: ['keep'], timeoutMs: 1 }, off.ctx(20, 3))
      expect(v3.responses[0]!.errorCode).toBe(ErrorCode.TOPIC_DELETION_DISABLED)
      const v2 = await handleDeleteTopics({ topicNames: ['keep'], timeoutMs: 1 }, off.ctx(20, 2))
      expect(v2.responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST)
      expect(off.services.topics.get('keep')).toBeDefined()
    } finally {
      await off.close()
    }
  })
})
