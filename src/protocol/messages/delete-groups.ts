// DeleteGroups (API key 42), versions 0-2; flexible from 2. Field names follow Kafka's
// DeleteGroupsRequest.json / DeleteGroupsResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const DeleteGroupsRequestSchema = message({
  name: 'DeleteGroupsRequest',
  apiKey: 42,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [array('groupsNames', '0+', 'string')],
})

export const DeleteGroupsResponseSchema = message({
  name: 'DeleteGroupsResponse',
  apiKey: 42,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    field('throttleTimeMs', 'int32', '0+'),
    array('results', '0+', [field('groupId', 'string', '0+'), field('errorCode', 'int16', '0+')]),
  ],
})

export interface DeleteGroupsRequest {
  groupsNames: string[]
}

export interface DeletableGroupResult {
  groupId: string
  errorCode: number
}

export interface DeleteGroupsResponse {
  throttleTimeMs: number
  results: DeletableGroupResult[]
}
