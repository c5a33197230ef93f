// Fetch (key 1): request and response, v0-12 (flexible from v12). Kept below v13 so topics are
// named, not identified by UUID. Partition records are encoded from file regions (sendfile) or
// buffers and decoded as subarrays of the frame.

import type { RecordsValue } from '../schema/dsl.js'
import { array, field, message, struct } from '../schema/dsl.js'

export const FetchRequestSchema = message({
  name: 'FetchRequest',
  apiKey: 1,
  validVersions: '0-12',
  flexibleVersions: '12+',
  fields: [
    field('clusterId', 'string', '12+', {
      nullableVersions: '12+',
      default: null,
      tag: 0,
      taggedVersions: '12+',
      ignorable: true,
    }),
    field('replicaId', 'int32', '0+'),
    field('maxWaitMs', 'int32', '0+'),
    field('minBytes', 'int32', '0+'),
    field('maxBytes', 'int32', '3+', { default: 0x7fffffff, ignorable: true }),
    field('isolationLevel', 'int8', '4+', { default: 0, ignorable: true }),
    field('sessionId', 'int32', '7+', { default: 0, ignorable: true }),
    field('sessionEpoch', 'int32', '7+', { default: -1, ignorable: true }),
    array('topics', '0+', [
      field('topic', 'string', '0+'),
      array('partitions', '0+', [
        field('partition', 'int32', '0+'),
        field('currentLeaderEpoch', 'int32', '9+', { default: -1, ignorable: true }),
        field('fetchOffset', 'int64', '0+'),
        field('lastFetchedEpoch', 'int32', '12+', { default: -1 }),
        field('logStartOffset', 'int64', '5+', { default: -1, ignorable: true }),
        field('partitionMaxBytes', 'int32', '0+'),
      ]),
    ]),
    array('forgottenTopicsData', '7+', [
      field('topic', 'string', '7+'),
      array('partitions', '7+', 'int32'),
    ]),
    field('rackId', 'string', '11+', { default: '', ignorable: true }),
  ],
})

export interface FetchPartition {
  partition: number
  currentLeaderEpoch: number
  fetchOffset: number
  lastFetchedEpoch: number
  logStartOffset: number
  partitionMaxBytes: number
}

export interface FetchTopic {
  topic: string
  partitions: FetchPartition[]
}

export interface ForgottenTopic {
  topic: string
  partitions: number[]
}

export interface FetchRequest {
  clusterId: string | null
  replicaId: number
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  /** 0 = READ_UNCOMMITTED, 1 = READ_COMMITTED. */
  isolationLevel: number
  sessionId: number
  sessionEpoch: number
  topics: FetchTopic[]
  forgottenTopicsData: ForgottenTopic[]
  rackId: string
}

const epochAndOffset = (v: string) => [
  field('epoch', 'int32', v, { default: -1 }),
  field('endOffset', 'int64', v, { default: -1 }),
]

export const FetchResponseSchema = message({
  name: 'FetchResponse',
  apiKey: 1,
  validVersions: '0-12',
  flexibleVersions: '12+',
  fields: [
    field('throttleTimeMs', 'int32', '1+', { ignorable: true }),
    field('errorCode', 'int16', '7+', { ignorable: true }),
    field('sessionId', 'int32', '7+', { default: 0 }),
    array('responses', '0+', [
      field('topic', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
        field('highWatermark', 'int64', '0+'),
        field('lastStableOffset', 'int64', '4+', { default: -1, ignorable: true }),
        field('logStartOffset', 'int64', '5+', { default: -1, ignorable: true }),
        struct('divergingEpoch', '12+', epochAndOffset('12+'), { tag: 0, taggedVersions: '12+' }),
        struct(
          'currentLeader',
          '12+',
          [
            field('leaderId', 'int32', '12+', { default: -1 }),
            field('leaderEpoch', 'int32', '12+', { default: -1 }),
          ],
          { tag: 1, taggedVersions: '12+' },
        ),
        struct(
          'snapshotId',
          '12+',
          [
            field('endOffset', 'int64', '0+', { default: -1 }),
            field('epoch', 'int32', '0+', { default: -1 }),
          ],
          { tag: 2, taggedVersions: '12+' },
        ),
        array(
          'abortedTransactions',
          '4+',
          [field('producerId', 'int64', '4+'), field('firstOffset', 'int64', '4+')],
          { nullableVersions: '4+', ignorable: true },
        ),
        field('preferredReadReplica', 'int32', '11+', { default: -1 }),
        field('records', 'records', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
})

export interface EpochEndOffset {
  epoch: number
  endOffset: number
}

export interface LeaderIdAndEpoch {
  leaderId: number
  leaderEpoch: number
}

export interface SnapshotId {
  endOffset: number
  epoch: number
}

export interface AbortedTransaction {
  producerId: number
  firstOffset: number
}

/** A partition as decoded (records is a subarray of the frame or null). */
export interface FetchPartitionData {
  partitionIndex: number
  errorCode: number
  highWatermark: number
  lastStableOffset: number
  logStartOffset: number
  /** Tagged (v12+): written only when not the default {-1, -1}. */
  divergingEpoch: EpochEndOffset
  currentLeader: LeaderIdAndEpoch
  snapshotId: SnapshotId
  abortedTransactions: AbortedTransaction[] | null
  preferredReadReplica: number
  records: Buffer | null
}

export interface FetchTopicResponse {
  topic: string
  partitions: FetchPartitionData[]
}

export interface FetchResponse {
  throttleTimeMs: number
  errorCode: number
  sessionId: number
  responses: FetchTopicResponse[]
}

/**
 * What a handler passes to encodeMessage: records may be file regions for the sendfile engine,
 * and the tagged structs may be left out (they default to {-1, -1}).
 */
export interface FetchPartitionDataOut extends Omit<
  FetchPartitionData,
  'records' | 'divergingEpoch' | 'currentLeader' | 'snapshotId'
> {
  divergingEpoch?: EpochEndOffset
  currentLeader?: LeaderIdAndEpoch
  snapshotId?: SnapshotId
  records: RecordsValue
}

export interface FetchResponseOut extends Omit<FetchResponse, 'responses'> {
  responses: { topic: string; partitions: FetchPartitionDataOut[] }[]
}
