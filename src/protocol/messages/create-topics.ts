// CreateTopics (API key 19), versions 0-7; flexible from 5. Field names follow Kafka's
// CreateTopicsRequest.json / CreateTopicsResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const CreateTopicsRequestSchema = message({
  name: 'CreateTopicsRequest',
  apiKey: 19,
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: [
    array('topics', '0+', [
      field('name', 'string', '0+'),
      field('numPartitions', 'int32', '0+'),
      field('replicationFactor', 'int16', '0+'),
      array('assignments', '0+', [
        field('partitionIndex', 'int32', '0+'),
        array('brokerIds', '0+', 'int32'),
      ]),
      array('configs', '0+', [
        field('name', 'string', '0+'),
        field('value', 'string', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
    field('timeoutMs', 'int32', '0+', { default: 60000 }),
    field('validateOnly', 'bool', '1+'),
  ],
})

export const CreateTopicsResponseSchema = message({
  name: 'CreateTopicsResponse',
  apiKey: 19,
  validVersions: '0-7',
  flexibleVersions: '5+',
  fields: [
    field('throttleTimeMs', 'int32', '2+', { ignorable: true }),
    array('topics', '0+', [
      field('name', 'string', '0+'),
      field('topicId', 'uuid', '7+', { ignorable: true }),
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '1+', { nullableVersions: '0+', ignorable: true }),
      field('topicConfigErrorCode', 'int16', '5+', {
        tag: 0,
        taggedVersions: '5+',
        ignorable: true,
      }),
      field('numPartitions', 'int32', '5+', { default: -1, ignorable: true }),
      field('replicationFactor', 'int16', '5+', { default: -1, ignorable: true }),
      array(
        'configs',
        '5+',
        [
          field('name', 'string', '5+'),
          field('value', 'string', '5+', { nullableVersions: '5+' }),
          field('readOnly', 'bool', '5+'),
          field('configSource', 'int8', '5+', { default: -1, ignorable: true }),
          field('isSensitive', 'bool', '5+'),
        ],
        { nullableVersions: '5+', ignorable: true },
      ),
    ]),
  ],
})

export interface CreatableReplicaAssignment {
  partitionIndex: number
  brokerIds: number[]
}

export interface CreatableTopicConfig {
  name: string
  value: string | null
}

export interface CreatableTopic {
  name: string
  numPartitions: number
  replicationFactor: number
  assignments: CreatableReplicaAssignment[]
  configs: CreatableTopicConfig[]
}

export interface CreateTopicsRequest {
  topics: CreatableTopic[]
  timeoutMs: number
  validateOnly: boolean
}

export interface CreatableTopicConfigs {
  name: string
  value: string | null
  readOnly: boolean
  configSource: number
  isSensitive: boolean
}

export interface CreatableTopicResult {
  name: string
  topicId: string
  errorCode: number
  errorMessage: string | null
  topicConfigErrorCode: number
  numPartitions: number
  replicationFactor: number
  configs: CreatableTopicConfigs[] | null
}

export interface CreateTopicsResponse {
  throttleTimeMs: number
  topics: CreatableTopicResult[]
}
