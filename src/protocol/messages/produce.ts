// Produce (key 0): request and response, v0-9 (flexible from v9). transactionalId appears in
// v3+; the records of each partition stay a subarray of the request frame (never copied).

import { array, field, message } from '../schema/dsl.js'

export const ProduceRequestSchema = message({
  name: 'ProduceRequest',
  apiKey: 0,
  validVersions: '0-9',
  flexibleVersions: '9+',
  fields: [
    field('transactionalId', 'string', '3+', { nullableVersions: '0+', default: null }),
    field('acks', 'int16', '0+'),
    field('timeoutMs', 'int32', '0+'),
    array('topicData', '0+', [
      field('name', 'string', '0+'),
      array('partitionData', '0+', [
        field('index', 'int32', '0+'),
        field('records', 'records', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
  ],
})

export interface ProducePartitionData {
  index: number
  /** One or more record batches, a subarray of the request; null if the client sent none. */
  records: Buffer | null
}

export interface ProduceTopicData {
  name: string
  partitionData: ProducePartitionData[]
}

export interface ProduceRequest {
  transactionalId: string | null
  acks: number
  timeoutMs: number
  topicData: ProduceTopicData[]
}

export const ProduceResponseSchema = message({
  name: 'ProduceResponse',
  apiKey: 0,
  validVersions: '0-9',
  flexibleVersions: '9+',
  fields: [
    array('responses', '0+', [
      field('name', 'string', '0+'),
      array('partitionResponses', '0+', [
        field('index', 'int32', '0+'),
        field('errorCode', 'int16', '0+'),
        field('baseOffset', 'int64', '0+'),
        field('logAppendTimeMs', 'int64', '2+', { default: -1, ignorable: true }),
        field('logStartOffset', 'int64', '5+', { default: -1, ignorable: true }),
        array(
          'recordErrors',
          '8+',
          [
            field('batchIndex', 'int32', '8+'),
            field('batchIndexErrorMessage', 'string', '8+', {
              nullableVersions: '8+',
              default: null,
            }),
          ],
          { ignorable: true },
        ),
        field('errorMessage', 'string', '8+', {
          nullableVersions: '8+',
          default: null,
          ignorable: true,
        }),
      ]),
    ]),
    field('throttleTimeMs', 'int32', '1+', { ignorable: true, default: 0 }),
  ],
})

export interface ProduceRecordError {
  batchIndex: number
  batchIndexErrorMessage: string | null
}

export interface ProducePartitionResponse {
  index: number
  errorCode: number
  baseOffset: number
  logAppendTimeMs: number
  logStartOffset: number
  recordErrors: ProduceRecordError[]
  errorMessage: string | null
}

export interface ProduceTopicResponse {
  name: string
  partitionResponses: ProducePartitionResponse[]
}

export interface ProduceResponse {
  responses: ProduceTopicResponse[]
  throttleTimeMs: number
}
