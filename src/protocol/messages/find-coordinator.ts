// FindCoordinator (API key 10), versions 0-4; flexible from 3. Field names follow Kafka's
// FindCoordinatorRequest.json / FindCoordinatorResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const FindCoordinatorRequestSchema = message({
  name: 'FindCoordinatorRequest',
  apiKey: 10,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    field('key', 'string', '0-3'),
    field('keyType', 'int8', '1+'),
    array('coordinatorKeys', '4+', 'string'),
  ],
})

export const FindCoordinatorResponseSchema = message({
  name: 'FindCoordinatorResponse',
  apiKey: 10,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    field('throttleTimeMs', 'int32', '1+', { ignorable: true }),
    field('errorCode', 'int16', '0-3'),
    field('errorMessage', 'string', '1-3', { nullableVersions: '1-3', ignorable: true }),
    field('nodeId', 'int32', '0-3'),
    field('host', 'string', '0-3'),
    field('port', 'int32', '0-3'),
    array('coordinators', '4+', [
      field('key', 'string', '4+'),
      field('nodeId', 'int32', '4+'),
      field('host', 'string', '4+'),
      field('port', 'int32', '4+'),
      field('errorCode', 'int16', '4+'),
      field('errorMessage', 'string', '4+', { nullableVersions: '4+', ignorable: true }),
    ]),
  ],
})

export interface FindCoordinatorRequest {
  key: string
  keyType: number
  coordinatorKeys: string[]
}

export interface FindCoordinatorResponseCoordinator {
  key: string
  nodeId: number
  host: string
  port: number
  errorCode: number
  errorMessage: string | null
}

export interface FindCoordinatorResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  nodeId: number
  host: string
  port: number
  coordinators: FindCoordinatorResponseCoordinator[]
}
