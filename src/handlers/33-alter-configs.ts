// AlterConfigs (key 33), versions 0-2.
//
// Behaviour: a topic resource (type 2) gets its config overrides replaced wholesale by the listed
// ones (configs not listed return to the broker default), validated by the topic config parser:
// unknown names or bad values are INVALID_CONFIG with a message, null values INVALID_REQUEST. The
// new values apply to the partition logs at once. validate_only checks and changes nothing.
// The broker resource (type 4) is read-only: any config is INVALID_CONFIG ("cannot update these
// configs dynamically"), an empty list succeeds, another broker id is INVALID_REQUEST. Other
// resource types and resources listed twice are INVALID_REQUEST; unknown topic
// UNKNOWN_TOPIC_OR_PARTITION; invalid topic name INVALID_TOPIC_EXCEPTION.
//
// Version notes: v1 is v0; v2 flexible.
import { KafkaError } from '../protocol/errors.js'
import {
  AlterConfigsRequestSchema,
  AlterConfigsResponseSchema,
} from '../protocol/messages/alter-configs.js'
import type {
  AlterConfigsRequest,
  AlterConfigsResource,
  AlterConfigsResponse,
} from '../protocol/messages/alter-configs.js'
import { ResourceType } from '../metadata/config-describer.js'
import {
  alterEachResource,
  checkBrokerAlter,
  checkNoDuplicateKeys,
} from '../metadata/config-alter.js'
import { topicManagerFor } from '../metadata/topic-manager.js'
import { validateTopicName } from '../metadata/topic-store.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

async function alterOne(
  resource: AlterConfigsResource,
  validateOnly: boolean,
  ctx: RequestContext,
): Promise<void> {
  const names = resource.configs.map((c) => c.name)
  checkNoDuplicateKeys(names)
  switch (resource.resourceType) {
    case ResourceType.TOPIC: {
      validateTopicName(resource.resourceName)
      const configs: Record<string, string> = {}
      for (const c of resource.configs) {
        if (c.value === null) {
          throw new KafkaError('INVALID_REQUEST', `null value not supported for ${c.name}`)
        }
        configs[c.name] = c.value
      }
      await topicManagerFor(ctx.broker).alterConfigs(resource.resourceName, configs, {
        validateOnly,
      })
      return
    }
    case ResourceType.BROKER:
      checkBrokerAlter(resource.resourceName, ctx.broker.nodeId, names)
      return
    default:
      throw new KafkaError('INVALID_REQUEST', `unsupported resource type ${resource.resourceType}`)
  }
}

export async function handleAlterConfigs(
  request: AlterConfigsRequest,
  ctx: RequestContext,
): Promise<AlterConfigsResponse> {
  const responses = await alterEachResource(request.resources, (r) =>
    alterOne(r, request.validateOnly, ctx),
  )
  return { throttleTimeMs: 0, responses }
}

export const alterConfigsHandler: HandlerDef<AlterConfigsRequest, AlterConfigsResponse> = {
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  request: AlterConfigsRequestSchema,
  response: AlterConfigsResponseSchema,
  handle: handleAlterConfigs,
}

export { alterConfigsHandler as handler }
export default alterConfigsHandler
