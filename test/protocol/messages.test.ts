import { describe, expect, it } from 'vitest'
import {
  ApiVersionsRequestSchema,
  ApiVersionsResponseSchema,
} from '../../src/protocol/messages/api-versions.js'
import type { ApiVersionsResponse } from '../../src/protocol/messages/api-versions.js'
import { ProduceRequestSchema, ProduceResponseSchema } from '../../src/protocol/messages/produce.js'
import type { ProduceRequest, ProduceResponse } from '../../src/protocol/messages/produce.js'
import { FetchRequestSchema, FetchResponseSchema } from '../../src/protocol/messages/fetch.js'
import type { FetchRequest, FetchResponseOut } from '../../src/protocol/messages/fetch.js'
import { decodeFromBuffer, roundTripAllVersions } from './round-trip.js'

const batch = (n: number): Buffer => Buffer.alloc(n, 0xab)

describe('ApiVersions', () => {
  it('request round-trips in every version', () => {
    const enc = roundTripAllVersions(ApiVersionsRequestSchema, () => ({
      clientSoftwareName: 'librdkafka',
      clientSoftwareVersion: '2.15.0',
    }))
    expect(enc.get(0)!.length).toBe(0)
    expect(enc.get(3)!.length).toBe(1 + 10 + 1 + 6 + 1)
  })

  it('response round-trips in every version, tagged fields only when set', () => {
    const base: ApiVersionsResponse = {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 0, maxVersion: 9 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
      throttleTimeMs: 7,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1,
      finalizedFeatures: [],
      zkMigrationReady: false,
    }
    const plain = roundTripAllVersions(ApiVersionsResponseSchema, () => base)
    const full = roundTripAllVersions(ApiVersionsResponseSchema, () => ({
      ...base,
      supportedFeatures: [{ name: 'metadata.version', minVersion: 1, maxVersion: 20 }],
      finalizedFeaturesEpoch: 42,
      finalizedFeatures: [{ name: 'metadata.version', maxVersionLevel: 20, minVersionLevel: 20 }],
      zkMigrationReady: true,
    }))
    // v3 without features: body then an empty tagged section (one 0 byte).
    expect(plain.get(3)!.at(-1)).toBe(0)
    expect(full.get(3)!.length).toBeGreaterThan(plain.get(3)!.length)
    expect(full.get(2)!.equals(plain.get(2)!)).toBe(true)
  })
})

describe('Produce', () => {
  it('request round-trips in every version', () => {
    roundTripAllVersions(ProduceRequestSchema, (v) => ({
      transactionalId: v >= 3 ? 'txn-1' : null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [
        {
          name: 'orders',
          partitionData: [
            { index: 0, records: batch(100) },
            { index: 1, records: null },
            { index: 2, records: batch(2000) },
          ],
        },
        { name: 'empty', partitionData: [] },
      ],
    }))
  })

  it('request decode keeps records as subarrays of the frame', () => {
    const enc = roundTripAllVersions(ProduceRequestSchema, () => ({
      transactionalId: null,
      acks: 1,
      timeoutMs: 1,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: batch(700) }] }],
    }))
    const frame = enc.get(9)!
    const req = decodeFromBuffer<ProduceRequest>(ProduceRequestSchema, 9, frame)
    const rec = req.topicData[0]!.partitionData[0]!.records!
    expect(rec.buffer).toBe(frame.buffer)
    // v9 frame tail: last record byte, then partition, topic and message tagged sections.
    expect(frame.subarray(-3).equals(Buffer.from([0, 0, 0]))).toBe(true)
    frame[frame.length - 4] = 0x01
    expect(rec[rec.length - 1]).toBe(0x01)
  })

  it('response round-trips in every version', () => {
    roundTripAllVersions(ProduceResponseSchema, (v) => {
      const r: ProduceResponse = {
        responses: [
          {
            name: 'orders',
            partitionResponses: [
              {
                index: 3,
                errorCode: 0,
                baseOffset: 2 ** 40 + 5,
                logAppendTimeMs: 1_700_000_000_000,
                logStartOffset: 12,
                recordErrors: v >= 8 ? [{ batchIndex: 2, batchIndexErrorMessage: null }] : [],
                errorMessage: v >= 8 ? 'bad record' : null,
              },
            ],
          },
        ],
        throttleTimeMs: 0,
      }
      return r
    })
  })
})

describe('Fetch', () => {
  it('request round-trips in every version', () => {
    roundTripAllVersions(FetchRequestSchema, (v) => {
      const r: FetchRequest = {
        clusterId: v >= 12 ? 'cluster-A' : null,
        replicaId: -1,
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 52428800,
        isolationLevel: 1,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: 'orders',
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: 5,
                fetchOffset: 1234,
                lastFetchedEpoch: 4,
                logStartOffset: -1,
                partitionMaxBytes: 1048576,
              },
            ],
          },
        ],
        forgottenTopicsData: [{ topic: 'old', partitions: [1, 2, 3] }],
        rackId: 'rack-1',
      }
      return r
    })
  })

  it('response round-trips in every version, with and without tagged fields', () => {
    for (const tagged of [false, true]) {
      roundTripAllVersions(FetchResponseSchema, (v) => {
        const r: FetchResponseOut = {
          throttleTimeMs: 0,
          errorCode: 0,
          sessionId: 77,
          responses: [
            {
              topic: 'orders',
              partitions: [
                {
                  partitionIndex: 0,
                  errorCode: 0,
                  highWatermark: 100,
                  lastStableOffset: 100,
                  logStartOffset: 0,
                  abortedTransactions: v >= 4 ? [{ producerId: 9, firstOffset: 50 }] : null,
                  preferredReadReplica: -1,
                  records: batch(3000),
                  ...(tagged
                    ? {
                        divergingEpoch: { epoch: 3, endOffset: 90 },
                        currentLeader: { leaderId: 1, leaderEpoch: 3 },
                        snapshotId: { endOffset: 10, epoch: 2 },
                      }
                    : {}),
                },
                {
                  partitionIndex: 1,
                  errorCode: 1,
                  highWatermark: -1,
                  lastStableOffset: -1,
                  logStartOffset: -1,
                  abortedTransactions: null,
                  preferredReadReplica: -1,
                  records: null,
                },
              ],
            },
          ],
        }
        return r
      })
    }
  })
})
