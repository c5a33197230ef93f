// AlterConfigs (API key 33), versions 0-2; flexible from 2. Field names follow Kafka's
// AlterConfigsRequest.json / AlterConfigsResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'
import type { FieldDef } from '../schema/dsl.js'

export const AlterConfigsRequestSchema = message({
  name: 'AlterConfigsRequest',
  apiKey: 33,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    array('resources', '0+', [
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
      array('configs', '0+', [
        field('name', 'string', '0+'),
        field('value', 'string', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
    field('validateOnly', 'bool', '0+'),
  ],
})

// IncrementalAlterConfigsResponse has exactly this body (all fields in every version).
export const ALTER_CONFIGS_RESPONSE_FIELDS: readonly FieldDef[] = [
  field('throttleTimeMs', 'int32', '0+'),
  array('responses', '0+', [
    field('errorCode', 'int16', '0+'),
    field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
    field('resourceType', 'int8', '0+'),
    field('resourceName', 'string', '0+'),
  ]),
]

export const AlterConfigsResponseSchema = message({
  name: 'AlterConfigsResponse',
  apiKey: 33,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: ALTER_CONFIGS_RESPONSE_FIELDS,
})

export interface AlterableConfig {
  name: string
  value: string | null
}

export interface AlterConfigsResource {
  resourceType: number
  resourceName: string
  configs: AlterableConfig[]
}

export interface AlterConfigsRequest {
  resources: AlterConfigsResource[]
  validateOnly: boolean
}

export interface AlterConfigsResourceResponse {
  errorCode: number
  errorMessage: string | null
  resourceType: number
  resourceName: string
}

export interface AlterConfigsResponse {
  throttleTimeMs: number
  responses: AlterConfigsResourceResponse[]
}
