// ListPartitionReassignments (API key 46), version 0; flexible from 0. Field names follow Kafka's
// ListPartitionReassignmentsRequest.json / ListPartitionReassignmentsResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const ListPartitionReassignmentsRequestSchema = message({
  name: 'ListPartitionReassignmentsRequest',
  apiKey: 46,
  validVersions: '0-0',
  flexibleVersions: '0+',
  fields: [
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
    // null = every ongoing reassignment.
    array(
      'topics',
      '0+',
      [field('name', 'string', '0+'), array('partitionIndexes', '0+', 'int32')],
      { nullableVersions: '0+', default: null },
    ),
  ],
})

export const ListPartitionReassignmentsResponseSchema = message({
  name: 'ListPartitionReassignmentsResponse',
  apiKey: 46,
  validVersions: '0-0',
  flexibleVersions: '0+',
  fields: [
    field('throttleTimeMs', 'int32', '0+'),
    field('errorCode', 'int16', '0+'),
    field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        array('replicas', '0+', 'int32'),
        array('addingReplicas', '0+', 'int32'),
        array('removingReplicas', '0+', 'int32'),
      ]),
    ]),
  ],
})

export interface ListPartitionReassignmentsRequestTopic {
  name: string
  partitionIndexes: number[]
}

export interface ListPartitionReassignmentsRequest {
  timeoutMs: number
  topics: ListPartitionReassignmentsRequestTopic[] | null
}

export interface OngoingPartitionReassignment {
  partitionIndex: number
  replicas: number[]
  addingReplicas: number[]
  removingReplicas: number[]
}

export interface OngoingTopicReassignment {
  name: string
  partitions: OngoingPartitionReassignment[]
}

export interface ListPartitionReassignmentsResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  topics: OngoingTopicReassignment[]
}
