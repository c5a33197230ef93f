// ApiVersions (key 18): request and response, v0-4 (flexible from v3). Versions 0-2 of the
// request are empty; v3 adds the client software name and version. v4 is v3 on the wire.

import { array, field, message } from '../schema/dsl.js'

export const ApiVersionsRequestSchema = message({
  name: 'ApiVersionsRequest',
  apiKey: 18,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    field('clientSoftwareName', 'string', '3+', { ignorable: true }),
    field('clientSoftwareVersion', 'string', '3+', { ignorable: true }),
  ],
})

export interface ApiVersionsRequest {
  clientSoftwareName: string
  clientSoftwareVersion: string
}

export const ApiVersionsResponseSchema = message({
  name: 'ApiVersionsResponse',
  apiKey: 18,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: [
    field('errorCode', 'int16', '0+'),
    array('apiKeys', '0+', [
      field('apiKey', 'int16', '0+'),
      field('minVersion', 'int16', '0+'),
      field('maxVersion', 'int16', '0+'),
    ]),
    field('throttleTimeMs', 'int32', '1+', { ignorable: true }),
    array(
      'supportedFeatures',
      '3+',
      [
        field('name', 'string', '3+'),
        field('minVersion', 'int16', '3+'),
        field('maxVersion', 'int16', '3+'),
      ],
      { tag: 0, taggedVersions: '3+', ignorable: true },
    ),
    field('finalizedFeaturesEpoch', 'int64', '3+', {
      tag: 1,
      taggedVersions: '3+',
      default: -1,
      ignorable: true,
    }),
    array(
      'finalizedFeatures',
      '3+',
      [
        field('name', 'string', '3+'),
        field('maxVersionLevel', 'int16', '3+'),
        field('minVersionLevel', 'int16', '3+'),
      ],
      { tag: 2, taggedVersions: '3+', ignorable: true },
    ),
    field('zkMigrationReady', 'bool', '3+', {
      tag: 3,
      taggedVersions: '3+',
      default: false,
      ignorable: true,
    }),
  ],
})

export interface ApiVersionsResponseKey {
  apiKey: number
  minVersion: number
  maxVersion: number
}

export interface SupportedFeatureKey {
  name: string
  minVersion: number
  maxVersion: number
}

export interface FinalizedFeatureKey {
  name: string
  maxVersionLevel: number
  minVersionLevel: number
}

export interface ApiVersionsResponse {
  errorCode: number
  apiKeys: ApiVersionsResponseKey[]
  throttleTimeMs: number
  /** Tagged (v3+): written only when non-empty. */
  supportedFeatures: SupportedFeatureKey[]
  /** Tagged (v3+): written only when not -1. */
  finalizedFeaturesEpoch: number
  finalizedFeatures: FinalizedFeatureKey[]
  zkMigrationReady: boolean
}
