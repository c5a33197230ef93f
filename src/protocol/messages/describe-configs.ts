// DescribeConfigs (API key 32), versions 0-4; flexible from 4. Field names follow Kafka's
// DescribeConfigsRequest.json / DescribeConfigsResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const DescribeConfigsRequestSchema = message({
  name: 'DescribeConfigsRequest',
  apiKey: 32,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    array('resources', '0+', [
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
      // null = every config of the resource.
      array('configurationKeys', '0+', 'string', { nullableVersions: '0+' }),
    ]),
    field('includeSynonyms', 'bool', '1+'),
    field('includeDocumentation', 'bool', '3+'),
  ],
})

export const DescribeConfigsResponseSchema = message({
  name: 'DescribeConfigsResponse',
  apiKey: 32,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    field('throttleTimeMs', 'int32', '0+'),
    array('results', '0+', [
      field('errorCode', 'int16', '0+'),
      field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
      field('resourceType', 'int8', '0+'),
      field('resourceName', 'string', '0+'),
      array('configs', '0+', [
        field('name', 'string', '0+'),
        field('value', 'string', '0+', { nullableVersions: '0+' }),
        field('readOnly', 'bool', '0+'),
        field('isDefault', 'bool', '0'),
        field('configSource', 'int8', '1+', { default: -1, ignorable: true }),
        field('isSensitive', 'bool', '0+'),
        array(
          'synonyms',
          '1+',
          [
            field('name', 'string', '1+'),
            field('value', 'string', '1+', { nullableVersions: '0+' }),
            field('source', 'int8', '1+'),
          ],
          { ignorable: true },
        ),
        field('configType', 'int8', '3+', { ignorable: true }),
        field('documentation', 'string', '3+', { nullableVersions: '0+', ignorable: true }),
      ]),
    ]),
  ],
})

export interface DescribeConfigsResource {
  resourceType: number
  resourceName: string
  configurationKeys: string[] | null
}

export interface DescribeConfigsRequest {
  resources: DescribeConfigsResource[]
  includeSynonyms: boolean
  includeDocumentation: boolean
}

export interface DescribeConfigsSynonym {
  name: string
  value: string | null
  source: number
}

export interface DescribeConfigsResourceResult {
  name: string
  value: string | null
  readOnly: boolean
  isDefault: boolean
  configSource: number
  isSensitive: boolean
  synonyms: DescribeConfigsSynonym[]
  configType: number
  documentation: string | null
}

export interface DescribeConfigsResult {
  errorCode: number
  errorMessage: string | null
  resourceType: number
  resourceName: string
  configs: DescribeConfigsResourceResult[]
}

export interface DescribeConfigsResponse {
  throttleTimeMs: number
  results: DescribeConfigsResult[]
}
