// JoinGroup (API key 11), versions 0-7; flexible from 6. Field names follow Kafka's
// JoinGroupRequest.json / JoinGroupResponse.json in camelCase (v8+ Reason and v9 SkipAssignment
// are not served).
import { array, field, message } from '../schema/dsl.js'

export const JoinGroupRequestSchema = message({
  name: 'JoinGroupRequest',
  apiKey: 11,
  validVersions: '0-7',
  flexibleVersions: '6+',
  fields: [
    field('groupId', 'string', '0+'),
    field('sessionTimeoutMs', 'int32', '0+'),
    // Absent before v1: the coordinator then uses the session timeout.
    field('rebalanceTimeoutMs', 'int32', '1+', { default: -1, ignorable: true }),
    field('memberId', 'string', '0+'),
    field('groupInstanceId', 'string', '5+', { nullableVersions: '5+', default: null }),
    field('protocolType', 'string', '0+'),
    array('protocols', '0+', [field('name', 'string', '0+'), field('metadata', 'bytes', '0+')]),
  ],
})

export const JoinGroupResponseSchema = message({
  name: 'JoinGroupResponse',
  apiKey: 11,
  validVersions: '0-7',
  flexibleVersions: '6+',
  fields: [
    field('throttleTimeMs', 'int32', '2+', { ignorable: true }),
    field('errorCode', 'int16', '0+'),
    field('generationId', 'int32', '0+', { default: -1 }),
    field('protocolType', 'string', '7+', {
      nullableVersions: '7+',
      default: null,
      ignorable: true,
    }),
    field('protocolName', 'string', '0+', { nullableVersions: '7+' }),
    field('leader', 'string', '0+'),
    field('memberId', 'string', '0+'),
    array('members', '0+', [
      field('memberId', 'string', '0+'),
      field('groupInstanceId', 'string', '5+', {
        nullableVersions: '5+',
        default: null,
        ignorable: true,
      }),
      field('metadata', 'bytes', '0+'),
    ]),
  ],
})

export interface JoinGroupRequestProtocol {
  name: string
  metadata: Buffer
}

export interface JoinGroupRequest {
  groupId: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  memberId: string
  groupInstanceId: string | null
  protocolType: string
  protocols: JoinGroupRequestProtocol[]
}

export interface JoinGroupResponseMember {
  memberId: string
  groupInstanceId: string | null
  metadata: Buffer
}

export interface JoinGroupResponse {
  throttleTimeMs: number
  errorCode: number
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leader: string
  memberId: string
  members: JoinGroupResponseMember[]
}
