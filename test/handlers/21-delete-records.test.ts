import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { handleDeleteRecords } from '../../src/handlers/21-delete-records.js'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import { buildRecordBatch } from '../../src/log/batch-builder.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import {
  DeleteRecordsRequestSchema,
  DeleteRecordsResponseSchema,
} from '../../src/protocol/messages/delete-records.js'
import { roundTripAllVersions } from '../protocol/round-trip.js'
import { openBrokerFixture } from '../metadata/broker-fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

describe('DeleteRecords schema', () => {
  it('round-trips v0-2', () => {
    roundTripAllVersions(DeleteRecordsRequestSchema, () => ({
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, offset: 2 ** 40 }] }],
      timeoutMs: 10,
    }))
    roundTripAllVersions(DeleteRecordsResponseSchema, () => ({
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 1, lowWatermark: 77, errorCode: 1 }] }],
    }))
  })
})

describe('DeleteRecords handler', () => {
  let b: BrokerFixture
  beforeEach(async () => {
    b = await openBrokerFixture()
    await topicManagerFor(b.services).create('r', 2, {})
    const log = b.services.logs.get('r', 0)!
    for (let i = 0; i < 5; i++) {
      log.append(
        buildRecordBatch({
          records: [{ value: Buffer.from(`v${i}`) }, { value: Buffer.from('w') }],
        }),
      )
    }
  })
  afterEach(async () => {
    await b.close()
  })

  const one = (topic: string, partitionIndex: number, offset: number) => ({
    topics: [{ name: topic, partitions: [{ partitionIndex, offset }] }],
    timeoutMs: 1000,
  })

  it('moves the log start offset and returns the low watermark', async () => {
    const res = await handleDeleteRecords(one('r', 0, 4), b.ctx(21, 2))
    expect(res.topics[0]!.partitions[0]).toEqual({
      partitionIndex: 0,
      lowWatermark: 4,
      errorCode: 0,
    })
    expect(b.services.logs.get('r', 0)!.logStartOffset).toBe(4)
    // Below the current start: nothing changes.
    const again = await handleDeleteRecords(one('r', 0, 2), b.ctx(21, 2))
    expect(again.topics[0]!.partitions[0]!.lowWatermark).toBe(4)
  })

  it('-1 means the high watermark', async () => {
    const res = await handleDeleteRecords(one('r', 0, -1), b.ctx(21, 0))
    expect(res.topics[0]!.partitions[0]!.lowWatermark).toBe(10)
    expect(b.services.logs.get('r', 0)!.logStartOffset).toBe(10)
  })

  it('beyond the high watermark or negative: OFFSET_OUT_OF_RANGE; unknown: UNKNOWN_TOPIC_OR_PARTITION', async () => {
    expect(
      (await handleDeleteRecords(one('r', 0, 11), b.ctx(21, 1))).topics[0]!.partitions[0],
    ).toEqual({
      partitionIndex: 0,
      lowWatermark: -1,
      errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
    })
    expect(
      (await handleDeleteRecords(one('r', 0, -2), b.ctx(21, 1))).topics[0]!.partitions[0]!
        .errorCode,
    ).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    expect(
      (await handleDeleteRecords(one('r', 2, 0), b.ctx(21, 1))).topics[0]!.partitions[0]!.errorCode,
    ).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(
      (await handleDeleteRecords(one('nope', 0, 0), b.ctx(21, 1))).topics[0]!.partitions[0]!
        .errorCode,
    ).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(b.services.logs.get('r', 0)!.logStartOffset).toBe(0)
  })
})
