// Heartbeat (API key 12), versions 0-4; flexible from 4. Field names follow Kafka's
// HeartbeatRequest.json / HeartbeatResponse.json in camelCase.
import { field, message } from '../schema/dsl.js'

export const HeartbeatRequestSchema = message({
  name: 'HeartbeatRequest',
  apiKey: 12,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('groupId', 'string', '0+'),
    field('generationId', 'int32', '0+'),
    field('memberId', 'string', '0+'),
    field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
  ],
})

export const HeartbeatResponseSchema = message({
  name: 'HeartbeatResponse',
  apiKey: 12,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('throttleTimeMs', 'int32', '1+', { ignorable: true }),
    field('errorCode', 'int16', '0+'),
  ],
})

export interface HeartbeatRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

export interface HeartbeatResponse {
  throttleTimeMs: number
  errorCode: number
}
