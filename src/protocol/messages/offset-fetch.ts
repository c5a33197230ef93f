// OffsetFetch (API key 9), versions 0-8; flexible from 6. Field names follow Kafka's
// OffsetFetchRequest.json / OffsetFetchResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const OffsetFetchRequestSchema = message({
  name: 'OffsetFetchRequest',
  apiKey: 9,
  validVersions: '0-8',
  flexibleVersions: '6+',
  fields: [
    field('groupId', 'string', '0-7'),
    array(
      'topics',
      '0-7',
      [field('name', 'string', '0-7'), array('partitionIndexes', '0-7', 'int32')],
      { nullableVersions: '2-7' },
    ),
    array('groups', '8+', [
      field('groupId', 'string', '8+'),
      array(
        'topics',
        '8+',
        [field('name', 'string', '8+'), array('partitionIndexes', '8+', 'int32')],
        { nullableVersions: '8+' },
      ),
    ]),
    field('requireStable', 'bool', '7+'),
  ],
})

export const OffsetFetchResponseSchema = message({
  name: 'OffsetFetchResponse',
  apiKey: 9,
  validVersions: '0-8',
  flexibleVersions: '6+',
  fields: [
    field('throttleTimeMs', 'int32', '3+', { ignorable: true }),
    array('topics', '0-7', [
      field('name', 'string', '0-7'),
      array('partitions', '0-7', [
        field('partitionIndex', 'int32', '0-7'),
        field('committedOffset', 'int64', '0-7'),
        field('committedLeaderEpoch', 'int32', '5-7', { default: -1, ignorable: true }),
        field('metadata', 'string', '0-7', { nullableVersions: '0-7' }),
        field('errorCode', 'int16', '0-7'),
      ]),
    ]),
    field('errorCode', 'int16', '2-7', { ignorable: true }),
    array('groups', '8+', [
      field('groupId', 'string', '8+'),
      array('topics', '8+', [
        field('name', 'string', '8+'),
        array('partitions', '8+', [
          field('partitionIndex', 'int32', '8+'),
          field('committedOffset', 'int64', '8+'),
          field('committedLeaderEpoch', 'int32', '8+', { default: -1, ignorable: true }),
          field('metadata', 'string', '8+', { nullableVersions: '8+' }),
          field('errorCode', 'int16', '8+'),
        ]),
      ]),
      field('errorCode', 'int16', '8+'),
    ]),
  ],
})

export interface OffsetFetchRequestTopic {
  name: string
  partitionIndexes: number[]
}

export interface OffsetFetchRequestGroup {
  groupId: string
  /** null = every partition the group has an offset for. */
  topics: OffsetFetchRequestTopic[] | null
}

export interface OffsetFetchRequest {
  groupId: string
  topics: OffsetFetchRequestTopic[] | null
  groups: OffsetFetchRequestGroup[]
  requireStable: boolean
}

export interface OffsetFetchResponsePartition {
  partitionIndex: number
  committedOffset: number
  committedLeaderEpoch: number
  metadata: string | null
  errorCode: number
}

export interface OffsetFetchResponseTopic {
  name: string
  partitions: OffsetFetchResponsePartition[]
}

export interface OffsetFetchResponseGroup {
  groupId: string
  topics: OffsetFetchResponseTopic[]
  errorCode: number
}

export interface OffsetFetchResponse {
  throttleTimeMs: number
  topics: OffsetFetchResponseTopic[]
  errorCode: number
  groups: OffsetFetchResponseGroup[]
}
