// DeleteTopics (API key 20), versions 0-5; flexible from 4. Field names follow Kafka's
// DeleteTopicsRequest.json / DeleteTopicsResponse.json in camelCase. Version 6 (delete by topic
// id) is not served (see docs/SKIPPED.md).
import { array, field, message } from '../schema/dsl.js'

export const DeleteTopicsRequestSchema = message({
  name: 'DeleteTopicsRequest',
  apiKey: 20,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    array('topicNames', '0-5', 'string', { ignorable: true }),
    field('timeoutMs', 'int32', '0+'),
  ],
})

export const DeleteTopicsResponseSchema = message({
  name: 'DeleteTopicsResponse',
  apiKey: 20,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    field('throttleTimeMs', 'int32', '1+', { ignorable: true }),
    array('responses', '0+', [
      field('name', 'string', '0+'),
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '5+', { nullableVersions: '5+', ignorable: true }),
    ]),
  ],
})

export interface DeleteTopicsRequest {
  topicNames: string[]
  timeoutMs: number
}

export interface DeletableTopicResult {
  name: string
  errorCode: number
  errorMessage: string | null
}

export interface DeleteTopicsResponse {
  throttleTimeMs: number
  responses: DeletableTopicResult[]
}
