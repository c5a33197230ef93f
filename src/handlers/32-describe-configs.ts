// DescribeConfigs (key 32), versions 0-4.
//
// Behaviour: resource type 2 (topic) lists every topic-level config we support with its
// effective value: the topic's override (source DYNAMIC_TOPIC_CONFIG), else the broker property
// (STATIC_BROKER_CONFIG when set in server.properties/env/CLI, DEFAULT_CONFIG otherwise). Resource
// type 4 (broker, name = this node id) lists the broker's properties, all read-only; an empty name
// means the cluster-wide dynamic defaults, of which there are none. configuration_keys limits the
// list; unknown keys are skipped. Unknown topic: UNKNOWN_TOPIC_OR_PARTITION; invalid name:
// INVALID_TOPIC_EXCEPTION; another broker id: INVALID_REQUEST; other resource types:
// INVALID_REQUEST. Passwords are sensitive (null value); documentation is null.
//
// Version notes: v0 has is_default instead of config_source and no synonyms; v1 adds config_source,
// include_synonyms and synonyms (empty unless requested); v3 config_type and documentation;
// v4 flexible.
import { ErrorCode, KafkaError } from '../protocol/errors.js'
import {
  DescribeConfigsRequestSchema,
  DescribeConfigsResponseSchema,
} from '../protocol/messages/describe-configs.js'
import type {
  DescribeConfigsRequest,
  DescribeConfigsResource,
  DescribeConfigsResourceResult,
  DescribeConfigsResponse,
  DescribeConfigsResult,
} from '../protocol/messages/describe-configs.js'
import {
  ConfigSource,
  ResourceType,
  describeBrokerConfigs,
  describeTopicConfigs,
} from '../metadata/config-describer.js'
import type { ConfigEntry } from '../metadata/config-describer.js'
import { topicManagerFor } from '../metadata/topic-manager.js'
import { validateTopicName } from '../metadata/topic-store.js'
import { resultError } from '../metadata/error-message.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

/** The config entries of one resource; throws KafkaError for a resource we cannot describe. */
export function configsOf(resource: DescribeConfigsResource, ctx: RequestContext): ConfigEntry[] {
  const config = ctx.broker.config
  switch (resource.resourceType) {
    case ResourceType.TOPIC: {
      validateTopicName(resource.resourceName)
      const info = topicManagerFor(ctx.broker).get(resource.resourceName)
      if (info === undefined) {
        throw new KafkaError(
          'UNKNOWN_TOPIC_OR_PARTITION',
          `topic '${resource.resourceName}' does not exist`,
        )
      }
      return describeTopicConfigs(info.configs, config, resource.configurationKeys)
    }
    case ResourceType.BROKER:
      if (resource.resourceName === '') return []
      if (resource.resourceName !== String(ctx.broker.nodeId)) {
        throw new KafkaError(
          'INVALID_REQUEST',
          `unexpected broker id, expected ${ctx.broker.nodeId} or empty string, got '${resource.resourceName}'`,
        )
      }
      return describeBrokerConfigs(config, resource.configurationKeys)
    default:
      throw new KafkaError('INVALID_REQUEST', `unsupported resource type ${resource.resourceType}`)
  }
}

function toWire(e: ConfigEntry, request: DescribeConfigsRequest): DescribeConfigsResourceResult {
  return {
    name: e.name,
    value: e.value,
    readOnly: e.readOnly,
    isDefault: e.source === ConfigSource.DEFAULT_CONFIG,
    configSource: e.source,
    isSensitive: e.isSensitive,
    synonyms: request.includeSynonyms ? e.synonyms : [],
    configType: e.configType,
    documentation: null,
  }
}

function describeOne(
  resource: DescribeConfigsResource,
  request: DescribeConfigsRequest,
  ctx: RequestContext,
): DescribeConfigsResult {
  const head = { resourceType: resource.resourceType, resourceName: resource.resourceName }
  try {
    const configs = configsOf(resource, ctx).map((e) => toWire(e, request))
    return { errorCode: ErrorCode.NONE, errorMessage: null, ...head, configs }
  } catch (err) {
    return { ...resultError(err), ...head, configs: [] }
  }
}

export function handleDescribeConfigs(
  request: DescribeConfigsRequest,
  ctx: RequestContext,
): DescribeConfigsResponse {
  return {
    throttleTimeMs: 0,
    results: request.resources.map((r) => describeOne(r, request, ctx)),
  }
}

export const describeConfigsHandler: HandlerDef<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  request: DescribeConfigsRequestSchema,
  response: DescribeConfigsResponseSchema,
  handle: handleDescribeConfigs,
}

export { describeConfigsHandler as handler }
export default describeConfigsHandler
