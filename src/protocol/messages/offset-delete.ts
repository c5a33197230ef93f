// OffsetDelete (API key 47), version 0 (not flexible). Field names follow Kafka's
// OffsetDeleteRequest.json / OffsetDeleteResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const OffsetDeleteRequestSchema = message({
  name: 'OffsetDeleteRequest',
  apiKey: 47,
  validVersions: '0-0',
  flexibleVersions: 'none',
  fields: [
    field('groupId', 'string', '0+'),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [field('partitionIndex', 'int32', '0+')]),
    ]),
  ],
})

export const OffsetDeleteResponseSchema = message({
  name: 'OffsetDeleteResponse',
  apiKey: 47,
  validVersions: '0-0',
  flexibleVersions: 'none',
  fields: [
    field('errorCode', 'int16', '0+'),
    field('throttleTimeMs', 'int32', '0+', { ignorable: true }),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
      ]),
    ]),
  ],
})

export interface OffsetDeleteRequestTopic {
  name: string
  partitions: { partitionIndex: number }[]
}

export interface OffsetDeleteRequest {
  groupId: string
  topics: OffsetDeleteRequestTopic[]
}

export interface OffsetDeleteResponsePartition {
  partitionIndex: number
  errorCode: number
}

export interface OffsetDeleteResponseTopic {
  name: string
  partitions: OffsetDeleteResponsePartition[]
}

export interface OffsetDeleteResponse {
  errorCode: number
  throttleTimeMs: number
  topics: OffsetDeleteResponseTopic[]
}
