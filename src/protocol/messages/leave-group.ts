// LeaveGroup (API key 13), versions 0-4; flexible from 4. Field names follow Kafka's
// LeaveGroupRequest.json / LeaveGroupResponse.json in camelCase (v5 Reason is not served).
import { array, field, message } from '../schema/dsl.js'

export const LeaveGroupRequestSchema = message({
  name: 'LeaveGroupRequest',
  apiKey: 13,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('groupId', 'string', '0+'),
    field('memberId', 'string', '0-2'),
    array('members', '3+', [
      field('memberId', 'string', '3+'),
      field('groupInstanceId', 'string', '3+', { nullableVersions: '3+', default: null }),
    ]),
  ],
})

export const LeaveGroupResponseSchema = message({
  name: 'LeaveGroupResponse',
  apiKey: 13,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('throttleTimeMs', 'int32', '1+', { ignorable: true }),
    field('errorCode', 'int16', '0+'),
    array('members', '3+', [
      field('memberId', 'string', '3+'),
      field('groupInstanceId', 'string', '3+', { nullableVersions: '3+' }),
      field('errorCode', 'int16', '3+'),
    ]),
  ],
})

export interface LeaveGroupRequestMember {
  memberId: string
  groupInstanceId: string | null
}

export interface LeaveGroupRequest {
  groupId: string
  memberId: string
  members: LeaveGroupRequestMember[]
}

export interface LeaveGroupResponseMember {
  memberId: string
  groupInstanceId: string | null
  errorCode: number
}

export interface LeaveGroupResponse {
  throttleTimeMs: number
  errorCode: number
  members: LeaveGroupResponseMember[]
}
