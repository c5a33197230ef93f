import { describe, expect, it } from 'vitest'
import { listOffsets } from '../../src/handlers/02-list-offsets.js'
import type { LogLookup } from '../../src/handlers/02-list-offsets.js'
import type { PartitionLog } from '../../src/log/partition-log.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import {
  ListOffsetsRequestSchema,
  ListOffsetsResponseSchema,
} from '../../src/protocol/messages/list-offsets.js'
import type {
  ListOffsetsRequest,
  ListOffsetsResponse,
} from '../../src/protocol/messages/list-offsets.js'
import { encodeToBuffer, roundTripAllVersions } from '../protocol/round-trip.js'

// Three batches of ten offsets from 10 to 39 with their max timestamps; the fake log answers a
// time lookup with the first batch whose max timestamp reaches it, like PartitionLog does.
const batches = [
  { first: 10, last: 19, maxTs: 1500, maxTsOffset: 15 },
  { first: 20, last: 29, maxTs: 3500, maxTsOffset: 27 },
  { first: 30, last: 39, maxTs: 2000, maxTsOffset: 30 },
]

function fakeLog(over: Partial<PartitionLog> = {}): PartitionLog {
  const log = {
    topic: 't',
    partition: 0,
    logStartOffset: 10,
    logEndOffset: 40,
    highWatermark: 40,
    offline: false,
    offsetForTimestamp(ts: number) {
      const b = batches.find((x) => x.maxTs >= ts)
      return b === undefined ? null : { offset: Math.max(b.first, 0), timestamp: b.maxTs }
    },
    maxTimestampOffset() {
      return { offset: 27, timestamp: 3500 }
    },
    ...over,
  }
  return log as unknown as PartitionLog
}

function logs(log: PartitionLog): LogLookup {
  return { get: (topic, partition) => (topic === 't' && partition === 0 ? log : undefined) }
}

function req(
  timestamp: number,
  extra: Partial<ListOffsetsRequest['topics'][0]['partitions'][0]> = {},
): ListOffsetsRequest {
  return {
    replicaId: -1,
    isolationLevel: 0,
    topics: [
      {
        name: 't',
        partitions: [
          { partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1, ...extra },
        ],
      },
    ],
  }
}

function first(res: ListOffsetsResponse): ListOffsetsResponse['topics'][0]['partitions'][0] {
  return res.topics[0]!.partitions[0]!
}

describe('ListOffsets schema', () => {
  it('round-trips every version 0-7', () => {
    const req = roundTripAllVersions(ListOffsetsRequestSchema, () => ({
      replicaId: -1,
      isolationLevel: 1,
      topics: [
        {
          name: 'topic',
          partitions: [
            {
              partitionIndex: 3,
              currentLeaderEpoch: 2,
              timestamp: 1_700_000_000_000,
              maxNumOffsets: 5,
            },
            { partitionIndex: 4, currentLeaderEpoch: -1, timestamp: -3, maxNumOffsets: 1 },
          ],
        },
      ],
    }))
    expect([...req.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    roundTripAllVersions(ListOffsetsResponseSchema, () => ({
      throttleTimeMs: 9,
      topics: [
        {
          name: 'topic',
          partitions: [
            {
              partitionIndex: 3,
              errorCode: 0,
              oldStyleOffsets: [7, 2 ** 40],
              timestamp: 12,
              offset: 2 ** 40,
              leaderEpoch: 0,
            },
            {
              partitionIndex: 4,
              errorCode: 3,
              oldStyleOffsets: [],
              timestamp: -1,
              offset: -1,
              leaderEpoch: -1,
            },
          ],
        },
      ],
    }))
  })

  it('matches hand-written wire bytes for v1 and flexible v6', () => {
    expect(encodeToBuffer(ListOffsetsRequestSchema, 1, req(-1)).toString('hex')).toBe(
      'ffffffff' + '00000001' + '000174' + '00000001' + '00000000' + 'ffffffffffffffff',
    )
    expect(encodeToBuffer(ListOffsetsRequestSchema, 6, req(-2)).toString('hex')).toBe(
      'ffffffff' +
        '00' +
        '02' +
        '0274' +
        '02' +
        '00000000' +
        'ffffffff' +
        'fffffffffffffffe' +
        '00' +
        '00' +
        '00',
    )
  })
})

describe('ListOffsets handler', () => {
  const log = fakeLog()
  it('latest is the high watermark, earliest the log start offset', () => {
    expect(first(listOffsets(req(-1), 1, logs(log)))).toMatchObject({
      errorCode: 0,
      offset: 40,
      timestamp: -1,
    })
    expect(first(listOffsets(req(-2), 5, logs(log)))).toMatchObject({
      errorCode: 0,
      offset: 10,
      leaderEpoch: 0,
    })
    expect(first(listOffsets(req(-1), 1, logs(fakeLog({ highWatermark: 35 }))))).toMatchObject({
      offset: 35,
    })
  })

  it('v0 answers with old-style offsets', () => {
    expect(first(listOffsets(req(-1), 0, logs(log))).oldStyleOffsets).toEqual([40])
    expect(first(listOffsets(req(-2), 0, logs(log))).oldStyleOffsets).toEqual([10])
    expect(first(listOffsets(req(-2, { maxNumOffsets: 0 }), 0, logs(log))).oldStyleOffsets).toEqual(
      [],
    )
  })

  it('finds offsets by timestamp, -1 when none is that late', () => {
    expect(first(listOffsets(req(2500), 4, logs(log)))).toMatchObject({
      errorCode: 0,
      offset: 20,
      timestamp: 3500,
      leaderEpoch: 0,
    })
    expect(first(listOffsets(req(9999), 4, logs(log)))).toMatchObject({
      errorCode: 0,
      offset: -1,
      timestamp: -1,
      leaderEpoch: -1,
    })
  })

  it('max timestamp needs v7', () => {
    expect(first(listOffsets(req(-3), 7, logs(log)))).toMatchObject({
      errorCode: 0,
      offset: 27,
      timestamp: 3500,
    })
    expect(first(listOffsets(req(-3), 6, logs(log))).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION)
    const empty = fakeLog({ maxTimestampOffset: () => null })
    expect(first(listOffsets(req(-3), 7, logs(empty)))).toMatchObject({
      errorCode: 0,
      offset: -1,
      timestamp: -1,
    })
  })

  it('per-partition errors: unknown partition, leader epoch fencing, offline log', () => {
    const unknown: ListOffsetsRequest = {
      ...req(-1),
      topics: [
        {
          name: 'nope',
          partitions: [
            { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 },
          ],
        },
      ],
    }
    expect(first(listOffsets(unknown, 1, logs(log)))).toMatchObject({
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      offset: -1,
    })
    expect(first(listOffsets(req(-1, { currentLeaderEpoch: 3 }), 4, logs(log))).errorCode).toBe(
      ErrorCode.UNKNOWN_LEADER_EPOCH,
    )
    expect(first(listOffsets(req(-1, { currentLeaderEpoch: 0 }), 4, logs(log))).errorCode).toBe(0)
    expect(first(listOffsets(req(-1), 4, logs(fakeLog({ offline: true })))).errorCode).toBe(
      ErrorCode.KAFKA_STORAGE_ERROR,
    )
  })
})
