// AlterPartitionReassignments (API key 45), version 0; flexible from 0. Field names follow
// Kafka's AlterPartitionReassignmentsRequest.json / AlterPartitionReassignmentsResponse.json in
// camelCase.
import { array, field, message } from '../schema/dsl.js'

export const AlterPartitionReassignmentsRequestSchema = message({
  name: 'AlterPartitionReassignmentsRequest',
  apiKey: 45,
  validVersions: '0-0',
  flexibleVersions: '0+',
  fields: [
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        // null cancels a pending reassignment.
        array('replicas', '0+', 'int32', { nullableVersions: '0+', default: null }),
      ]),
    ]),
  ],
})

export const AlterPartitionReassignmentsResponseSchema = message({
  name: 'AlterPartitionReassignmentsResponse',
  apiKey: 45,
  validVersions: '0-0',
  flexibleVersions: '0+',
  fields: [
    field('throttleTimeMs', 'int32', '0+'),
    field('errorCode', 'int16', '0+'),
    field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
    array('responses', '0+', [
      field('name', 'string', '0+'),
      array('partitions', '0+', [
        field('partitionIndex', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
        field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
})

export interface AlterPartitionReassignmentsRequestPartition {
  partitionIndex: number
  replicas: number[] | null
}

export interface AlterPartitionReassignmentsRequestTopic {
  name: string
  partitions: AlterPartitionReassignmentsRequestPartition[]
}

export interface AlterPartitionReassignmentsRequest {
  timeoutMs: number
  topics: AlterPartitionReassignmentsRequestTopic[]
}

export interface AlterPartitionReassignmentsResponsePartition {
  partitionIndex: number
  errorCode: number
  errorMessage: string | null
}

export interface AlterPartitionReassignmentsResponseTopic {
  name: string
  partitions: AlterPartitionReassignmentsResponsePartition[]
}

export interface AlterPartitionReassignmentsResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  responses: AlterPartitionReassignmentsResponseTopic[]
}
