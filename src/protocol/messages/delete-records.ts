// DeleteRecords (API key 21), versions 0-2; flexible from 2. Field names follow Kafka's
// DeleteRecordsRequest.json / DeleteRecordsResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const DeleteRecordsRequestSchema = message({
  name: 'DeleteRecordsRequest',
  apiKey: 21,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('offset', 'int64', '0+'),
      ]),
    ]),
    field('timeoutMs', 'int32', '0+'),
  ],
})

export const DeleteRecordsResponseSchema = message({
  name: 'DeleteRecordsResponse',
  apiKey: 21,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    field('throttleTimeMs', 'int32', '0+'),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('lowWatermark', 'int64', '0+'),
        field('errorCode', 'int16', '0+'),
      ]),
    ]),
  ],
})

export interface DeleteRecordsPartition {
  partitionIndex: number
  offset: number
}

export interface DeleteRecordsTopic {
  name: string
  partitions: DeleteRecordsPartition[]
}

export interface DeleteRecordsRequest {
  topics: DeleteRecordsTopic[]
  timeoutMs: number
}

export interface DeleteRecordsPartitionResult {
  partitionIndex: number
  lowWatermark: number
  errorCode: number
}

export interface DeleteRecordsTopicResult {
  name: string
  partitions: DeleteRecordsPartitionResult[]
}

export interface DeleteRecordsResponse {
  throttleTimeMs: number
  topics: DeleteRecordsTopicResult[]
}
