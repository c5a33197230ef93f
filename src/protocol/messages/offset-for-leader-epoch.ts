// OffsetForLeaderEpoch (API key 23), versions 0-4; flexible from 4. Field names follow Kafka's
// OffsetForLeaderEpochRequest.json / OffsetForLeaderEpochResponse.json in camelCase. v2 adds the
// current leader epoch (fencing), v3 the replica id.
import { array, field, message } from '../schema/dsl.js'

export const OffsetForLeaderEpochRequestSchema = message({
  name: 'OffsetForLeaderEpochRequest',
  apiKey: 23,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('replicaId', 'int32', '3+', { default: -2, ignorable: true }),
    array('topics', '0+', [
      field('topic', 'string', '0+'),
      array('partitions', '0+', [
        field('partition', 'int32', '0+'),
        field('currentLeaderEpoch', 'int32', '2+', { default: -1, ignorable: true }),
        field('leaderEpoch', 'int32', '0+'),
      ]),
    ]),
  ],
})

export const OffsetForLeaderEpochResponseSchema = message({
  name: 'OffsetForLeaderEpochResponse',
  apiKey: 23,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('throttleTimeMs', 'int32', '2+', { ignorable: true }),
    array('topics', '0+', [
      field('topic', 'string', '0+'),
      array('partitions', '0+', [
        field('errorCode', 'int16', '0+'),
        field('partition', 'int32', '0+'),
        field('leaderEpoch', 'int32', '1+', { default: -1, ignorable: true }),
        field('endOffset', 'int64', '0+'),
      ]),
    ]),
  ],
})

export interface OffsetForLeaderPartition {
  partition: number
  currentLeaderEpoch: number
  leaderEpoch: number
}

export interface OffsetForLeaderTopic {
  topic: string
  partitions: OffsetForLeaderPartition[]
}

export interface OffsetForLeaderEpochRequest {
  replicaId: number
  topics: OffsetForLeaderTopic[]
}

export interface EpochEndOffsetResult {
  errorCode: number
  partition: number
  leaderEpoch: number
  endOffset: number
}

export interface OffsetForLeaderTopicResult {
  topic: string
  partitions: EpochEndOffsetResult[]
}

export interface OffsetForLeaderEpochResponse {
  throttleTimeMs: number
  topics: OffsetForLeaderTopicResult[]
}
