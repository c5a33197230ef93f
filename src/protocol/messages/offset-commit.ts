// OffsetCommit (API key 8), versions 0-8; flexible from 8. Field names follow Kafka's
// OffsetCommitRequest.json / OffsetCommitResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const OffsetCommitRequestSchema = message({
  name: 'OffsetCommitRequest',
  apiKey: 8,
  validVersions: '0-8',
  flexibleVersions: '8+',
  fields: [
    field('groupId', 'string', '0+'),
    field('generationIdOrMemberEpoch', 'int32', '1+', { default: -1, ignorable: true }),
    field('memberId', 'string', '1+', { ignorable: true }),
    field('groupInstanceId', 'string', '7+', { nullableVersions: '7+', default: null }),
    field('retentionTimeMs', 'int64', '2-4', { default: -1, ignorable: true }),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('committedOffset', 'int64', '0+'),
        field('committedLeaderEpoch', 'int32', '6+', { default: -1, ignorable: true }),
        field('commitTimestamp', 'int64', '1-1', { default: -1 }),
        field('committedMetadata', 'string', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
})

export const OffsetCommitResponseSchema = message({
  name: 'OffsetCommitResponse',
  apiKey: 8,
  validVersions: '0-8',
  flexibleVersions: '8+',
  fields: [
    field('throttleTimeMs', 'int32', '3+', { ignorable: true }),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
      ]),
    ]),
  ],
})

export interface OffsetCommitRequestPartition {
  partitionIndex: number
  committedOffset: number
  committedLeaderEpoch: number
  commitTimestamp: number
  committedMetadata: string | null
}

export interface OffsetCommitRequestTopic {
  name: string
  partitions: OffsetCommitRequestPartition[]
}

export interface OffsetCommitRequest {
  groupId: string
  generationIdOrMemberEpoch: number
  memberId: string
  groupInstanceId: string | null
  retentionTimeMs: number
  topics: OffsetCommitRequestTopic[]
}

export interface OffsetCommitResponsePartition {
  partitionIndex: number
  errorCode: number
}

export interface OffsetCommitResponseTopic {
  name: string
  partitions: OffsetCommitResponsePartition[]
}

export interface OffsetCommitResponse {
  throttleTimeMs: number
  topics: OffsetCommitResponseTopic[]
}
