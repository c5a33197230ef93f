// IncrementalAlterConfigs (key 44), versions 0-1.
//
// Behaviour: a topic resource (type 2) applies each operation to its config overrides: SET (0)
// sets a value, DELETE (1) removes the override (back to the broker default), APPEND (2) and
// SUBTRACT (3) edit list configs (cleanup.policy) starting from the effective value; APPEND or
// SUBTRACT on a non-list config is INVALID_CONFIG. The result is validated as a whole (unknown
// names, bad values: INVALID_CONFIG with a message) and applied to the logs at once;
// validate_only changes nothing. The broker resource (type 4) is read-only (INVALID_CONFIG for any
// operation). Unknown operation, a config listed twice, a resource listed twice or another resource
// type: INVALID_REQUEST. Unknown topic: UNKNOWN_TOPIC_OR_PARTITION.
//
// Version notes: v1 flexible.
import { KafkaError } from '../protocol/errors.js'
import {
  IncrementalAlterConfigsRequestSchema,
  IncrementalAlterConfigsResponseSchema,
} from '../protocol/messages/incremental-alter-configs.js'
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResource,
  IncrementalAlterConfigsResponse,
} from '../protocol/messages/incremental-alter-configs.js'
import { ResourceType } from '../metadata/config-describer.js'
import {
  alterEachResource,
  applyIncrementalOps,
  checkBrokerAlter,
  checkNoDuplicateKeys,
} from '../metadata/config-alter.js'
import { topicManagerFor } from '../metadata/topic-manager.js'
import { validateTopicName } from '../metadata/topic-store.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

async function alterOne(
  resource: IncrementalAlterConfigsResource,
  validateOnly: boolean,
  ctx: RequestContext,
): Promise<void> {
  switch (resource.resourceType) {
    case ResourceType.TOPIC: {
      validateTopicName(resource.resourceName)
      await topicManagerFor(ctx.broker).updateConfigs(
        resource.resourceName,
        (current) => applyIncrementalOps(current, resource.configs, ctx.broker.config),
        { validateOnly },
      )
      return
    }
    case ResourceType.BROKER: {
      const names = resource.configs.map((c) => c.name)
      checkNoDuplicateKeys(names)
      checkBrokerAlter(resource.resourceName, ctx.broker.nodeId, names)
      return
    }
    default:
      throw new KafkaError('INVALID_REQUEST', `unsupported resource type ${resource.resourceType}`)
  }
}

export async function handleIncrementalAlterConfigs(
  request: IncrementalAlterConfigsRequest,
  ctx: RequestContext,
): Promise<IncrementalAlterConfigsResponse> {
  const responses = await alterEachResource(request.resources, (r) =>
    alterOne(r, request.validateOnly, ctx),
  )
  return { throttleTimeMs: 0, responses }
}

export const incrementalAlterConfigsHandler: HandlerDef<
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse
> = {
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  request: IncrementalAlterConfigsRequestSchema,
  response: IncrementalAlterConfigsResponseSchema,
  handle: handleIncrementalAlterConfigs,
}

export { incrementalAlterConfigsHandler as handler }
export default incrementalAlterConfigsHandler
