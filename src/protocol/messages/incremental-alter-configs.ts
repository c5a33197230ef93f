// IncrementalAlterConfigs (API key 44), versions 0-1; flexible from 1. Field names follow
// Kafka's IncrementalAlterConfigsRequest.json / IncrementalAlterConfigsResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'
import { ALTER_CONFIGS_RESPONSE_FIELDS } from './alter-configs.js'
import type { AlterConfigsResourceResponse, AlterConfigsResponse } from './alter-configs.js'

export const IncrementalAlterConfigsRequestSchema = message({
  name: 'IncrementalAlterConfigsRequest',
  apiKey: 44,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: [
    array('resources', '0+', [
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
      array('configs', '0+', [
        field('name', 'string', '0+'),
        // 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT.
        field('configOperation', 'int8', '0+'),
        field('value', 'string', '0+', { nullableVersions: '0+' }),
      ]),
    ]),
    field('validateOnly', 'bool', '0+'),
  ],
})

export const IncrementalAlterConfigsResponseSchema = message({
  name: 'IncrementalAlterConfigsResponse',
  apiKey: 44,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: ALTER_CONFIGS_RESPONSE_FIELDS,
})

export interface IncrementalAlterableConfig {
  name: string
  configOperation: number
  value: string | null
}

export interface IncrementalAlterConfigsResource {
  resourceType: number
  resourceName: string
  configs: IncrementalAlterableConfig[]
}

export interface IncrementalAlterConfigsRequest {
  resources: IncrementalAlterConfigsResource[]
  validateOnly: boolean
}

// The response body is AlterConfigs' own.
export type IncrementalAlterConfigsResourceResponse = AlterConfigsResourceResponse
export type IncrementalAlterConfigsResponse = AlterConfigsResponse
