// InitProducerId (API key 22), versions 0-4; flexible from 2. Field names follow Kafka's
// InitProducerIdRequest.json / InitProducerIdResponse.json in camelCase.
import { field, message } from '../schema/dsl.js'

export const InitProducerIdRequestSchema = message({
  name: 'InitProducerIdRequest',
  apiKey: 22,
  validVersions: '0-4',
  flexibleVersions: '2+',
  fields: [
    field('transactionalId', 'string', '0+', { nullableVersions: '0+' }),
    field('transactionTimeoutMs', 'int32', '0+'),
    field('producerId', 'int64', '3+', { default: -1 }),
    field('producerEpoch', 'int16', '3+', { default: -1 }),
  ],
})

export const InitProducerIdResponseSchema = message({
  name: 'InitProducerIdResponse',
  apiKey: 22,
  validVersions: '0-4',
  flexibleVersions: '2+',
  fields: [
    field('throttleTimeMs', 'int32', '0+', { ignorable: true }),
    field('errorCode', 'int16', '0+'),
    field('producerId', 'int64', '0+', { default: -1 }),
    field('producerEpoch', 'int16', '0+'),
  ],
})

export interface InitProducerIdRequest {
  transactionalId: string | null
  transactionTimeoutMs: number
  producerId: number
  producerEpoch: number
}

export interface InitProducerIdResponse {
  throttleTimeMs: number
  errorCode: number
  producerId: number
  producerEpoch: number
}
