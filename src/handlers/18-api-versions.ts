// ApiVersions (key 18), versions 0-3.
//
// Behaviour: lists every API the broker serves with the version range it advertises, derived
// from the handler registry (min = advertisedMinVersion ?? minVersion, max = maxVersion), so
// the list cannot drift from what the dispatcher actually accepts. Throttle time is always 0;
// no supported or finalized features are reported.
//
// Version notes:
// - v0: error code + api keys. v1-2 add throttle_time_ms.
// - v3 (flexible, KIP-511): the request carries client_software_name/version; both must match
//   Kafka's pattern [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? or the answer is INVALID_REQUEST
//   with no api keys (librdkafka then logs "check client.software.name").
// - A version above 3 never reaches this handler: the dispatcher answers it with a v0 body
//   carrying UNSUPPORTED_VERSION and this API's range, and the response header is always v0.

import { ErrorCode } from '../protocol/errors.js'
import {
  ApiVersionsRequestSchema,
  ApiVersionsResponseSchema,
} from '../protocol/messages/api-versions.js'
import type {
  ApiVersionsRequest,
  ApiVersionsResponse,
  ApiVersionsResponseKey,
} from '../protocol/messages/api-versions.js'
import type { HandlerDef } from '../server/handler.js'

const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/

export function isValidClientSoftware(name: string, version: string): boolean {
  return SOFTWARE_PATTERN.test(name) && SOFTWARE_PATTERN.test(version)
}

/** The advertised ranges, sorted by API key. */
export function advertisedApiKeys(
  handlers: readonly Pick<
    HandlerDef<unknown, unknown>,
    'apiKey' | 'minVersion' | 'maxVersion' | 'advertisedMinVersion'
  >[],
): ApiVersionsResponseKey[] {
  return handlers
    .map((h) => ({
      apiKey: h.apiKey,
      minVersion: h.advertisedMinVersion ?? h.minVersion,
      maxVersion: h.maxVersion,
    }))
    .sort((a, b) => a.apiKey - b.apiKey)
}

function response(errorCode: number, apiKeys: ApiVersionsResponseKey[]): ApiVersionsResponse {
  return {
    errorCode,
    apiKeys,
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  }
}

export const handler: HandlerDef<ApiVersionsRequest, ApiVersionsResponse> = {
  apiKey: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 3,
  request: ApiVersionsRequestSchema,
  response: ApiVersionsResponseSchema,
  handle(request, ctx) {
    if (
      ctx.apiVersion >= 3 &&
      !isValidClientSoftware(request.clientSoftwareName, request.clientSoftwareVersion)
    )
      return response(ErrorCode.INVALID_REQUEST, [])
    return response(ErrorCode.NONE, advertisedApiKeys(ctx.broker.handlers))
  },
}

export default handler
