// ListOffsets (API key 2), versions 0-7; flexible from 6. Field names follow Kafka's
// ListOffsetsRequest.json / ListOffsetsResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const ListOffsetsRequestSchema = message({
  name: 'ListOffsetsRequest',
  apiKey: 2,
  validVersions: '0-7',
  flexibleVersions: '6+',
  fields: [
    field('replicaId', 'int32', '0+'),
    field('isolationLevel', 'int8', '2+'),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('currentLeaderEpoch', 'int32', '4+', { default: -1, ignorable: true }),
        field('timestamp', 'int64', '0+'),
        field('maxNumOffsets', 'int32', '0-0', { default: 1 }),
      ]),
    ]),
  ],
})

export const ListOffsetsResponseSchema = message({
  name: 'ListOffsetsResponse',
  apiKey: 2,
  validVersions: '0-7',
  flexibleVersions: '6+',
  fields: [
    field('throttleTimeMs', 'int32', '2+', { ignorable: true }),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
        array('oldStyleOffsets', '0-0', 'int64'),
        field('timestamp', 'int64', '1+', { default: -1 }),
        field('offset', 'int64', '1+', { default: -1 }),
        field('leaderEpoch', 'int32', '4+', { default: -1 }),
      ]),
    ]),
  ],
})

export interface ListOffsetsRequestPartition {
  partitionIndex: number
  currentLeaderEpoch: number
  timestamp: number
  maxNumOffsets: number
}

export interface ListOffsetsRequestTopic {
  name: string
  partitions: ListOffsetsRequestPartition[]
}

export interface ListOffsetsRequest {
  replicaId: number
  isolationLevel: number
  topics: ListOffsetsRequestTopic[]
}

export interface ListOffsetsResponsePartition {
  partitionIndex: number
  errorCode: number
  oldStyleOffsets: number[]
  timestamp: number
  offset: number
  leaderEpoch: number
}

export interface ListOffsetsResponseTopic {
  name: string
  partitions: ListOffsetsResponsePartition[]
}

export interface ListOffsetsResponse {
  throttleTimeMs: number
  topics: ListOffsetsResponseTopic[]
}
