// SyncGroup (API key 14), versions 0-5; flexible from 4. Field names follow Kafka's
// SyncGroupRequest.json / SyncGroupResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const SyncGroupRequestSchema = message({
  name: 'SyncGroupRequest',
  apiKey: 14,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    field('groupId', 'string', '0+'),
    field('generationId', 'int32', '0+'),
    field('memberId', 'string', '0+'),
    field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
    field('protocolType', 'string', '5+', {
      nullableVersions: '5+',
      default: null,
      ignorable: true,
    }),
    field('protocolName', 'string', '5+', {
      nullableVersions: '5+',
      default: null,
      ignorable: true,
    }),
    array('assignments', '0+', [
      field('memberId', 'string', '0+'),
      field('assignment', 'bytes', '0+'),
    ]),
  ],
})

export const SyncGroupResponseSchema = message({
  name: 'SyncGroupResponse',
  apiKey: 14,
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: [
    field('throttleTimeMs', 'int32', '1+', { ignorable: true }),
    field('errorCode', 'int16', '0+'),
    field('protocolType', 'string', '5+', {
      nullableVersions: '5+',
      default: null,
      ignorable: true,
    }),
    field('protocolName', 'string', '5+', {
      nullableVersions: '5+',
      default: null,
      ignorable: true,
    }),
    field('assignment', 'bytes', '0+'),
  ],
})

export interface SyncGroupRequestAssignment {
  memberId: string
  assignment: Buffer
}

export interface SyncGroupRequest {
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
  protocolType: string | null
  protocolName: string | null
  assignments: SyncGroupRequestAssignment[]
}

export interface SyncGroupResponse {
  throttleTimeMs: number
  errorCode: number
  protocolType: string | null
  protocolName: string | null
  assignment: Buffer
}
