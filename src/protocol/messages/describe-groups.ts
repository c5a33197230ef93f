// DescribeGroups (API key 15), versions 0-5; flexible from 5. Field names follow Kafka's
// DescribeGroupsRequest.json / DescribeGroupsResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const DescribeGroupsRequestSchema = message({
  name: 'DescribeGroupsRequest',
  apiKey: 15,
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: [array('groups', '0+', 'string'), field('includeAuthorizedOperations', 'bool', '3+')],
})

export const DescribeGroupsResponseSchema = message({
  name: 'DescribeGroupsResponse',
  apiKey: 15,
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: [
    field('throttleTimeMs', 'int32', '1+', { ignorable: true }),
    array('groups', '0+', [
      field('errorCode', 'int16', '0+'),
      field('groupId', 'string', '0+'),
      field('groupState', 'string', '0+'),
      field('protocolType', 'string', '0+'),
      field('protocolData', 'string', '0+'),
      array('members', '0+', [
        field('memberId', 'string', '0+'),
        field('groupInstanceId', 'string', '4+', {
          nullableVersions: '4+',
          default: null,
          ignorable: true,
        }),
        field('clientId', 'string', '0+'),
        field('clientHost', 'string', '0+'),
        field('memberMetadata', 'bytes', '0+'),
        field('memberAssignment', 'bytes', '0+'),
      ]),
      field('authorizedOperations', 'int32', '3+', { default: -2147483648 }),
    ]),
  ],
})

export interface DescribeGroupsRequest {
  groups: string[]
  includeAuthorizedOperations: boolean
}

export interface DescribedGroupMember {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  memberMetadata: Buffer
  memberAssignment: Buffer
}

export interface DescribedGroup {
  errorCode: number
  groupId: string
  groupState: string
  protocolType: string
  protocolData: string
  members: DescribedGroupMember[]
  authorizedOperations: number
}

export interface DescribeGroupsResponse {
  throttleTimeMs: number
  groups: DescribedGroup[]
}
