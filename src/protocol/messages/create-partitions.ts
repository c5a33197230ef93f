// CreatePartitions (API key 37), versions 0-3; flexible from 2. Field names follow Kafka's
// CreatePartitionsRequest.json / CreatePartitionsResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const CreatePartitionsRequestSchema = message({
  name: 'CreatePartitionsRequest',
  apiKey: 37,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    array('topics', '0+', [
      field('name', 'string', '0+'),
      field('count', 'int32', '0+'),
      array('assignments', '0+', [array('brokerIds', '0+', 'int32')], { nullableVersions: '0+' }),
    ]),
    field('timeoutMs', 'int32', '0+'),
    field('validateOnly', 'bool', '0+'),
  ],
})

export const CreatePartitionsResponseSchema = message({
  name: 'CreatePartitionsResponse',
  apiKey: 37,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: [
    field('throttleTimeMs', 'int32', '0+'),
    array('results', '0+', [
      field('name', 'string', '0+'),
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
    ]),
  ],
})

export interface CreatePartitionsAssignment {
  brokerIds: number[]
}

export interface CreatePartitionsTopic {
  name: string
  count: number
  assignments: CreatePartitionsAssignment[] | null
}

export interface CreatePartitionsRequest {
  topics: CreatePartitionsTopic[]
  timeoutMs: number
  validateOnly: boolean
}

export interface CreatePartitionsTopicResult {
  name: string
  errorCode: number
  errorMessage: string | null
}

export interface CreatePartitionsResponse {
  throttleTimeMs: number
  results: CreatePartitionsTopicResult[]
}
