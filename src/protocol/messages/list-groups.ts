// ListGroups (API key 16), versions 0-4; flexible from 3. Field names follow Kafka's
// ListGroupsRequest.json / ListGroupsResponse.json in camelCase (v5 types filter not served).
import { array, field, message } from '../schema/dsl.js'

export const ListGroupsRequestSchema = message({
  name: 'ListGroupsRequest',
  apiKey: 16,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [array('statesFilter', '4+', 'string')],
})

export const ListGroupsResponseSchema = message({
  name: 'ListGroupsResponse',
  apiKey: 16,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    field('throttleTimeMs', 'int32', '1+', { ignorable: true }),
    field('errorCode', 'int16', '0+'),
    array('groups', '0+', [
      field('groupId', 'string', '0+'),
      field('protocolType', 'string', '0+'),
      field('groupState', 'string', '4+', { ignorable: true }),
    ]),
  ],
})

export interface ListGroupsRequest {
  statesFilter: string[]
}

export interface ListedGroup {
  groupId: string
  protocolType: string
  groupState: string
}

export interface ListGroupsResponse {
  throttleTimeMs: number
  errorCode: number
  groups: ListedGroup[]
}
