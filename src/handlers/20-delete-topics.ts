// DeleteTopics (key 20), versions 0-5.
//
// Behaviour: each named topic loses its metadata entry and then its partition logs (directories
// renamed to *-delete, segment files unlinked or recycled at once, the directories removed in
// the background; cluster mode: each broker does this when it sees the topic leave etcd).
// Unknown names are UNKNOWN_TOPIC_OR_PARTITION; a name listed twice gets one INVALID_REQUEST
// result. With delete.topic.enable=false the answer is TOPIC_DELETION_DISABLED (v3+) or
// INVALID_REQUEST (v0-2, which predate that code). timeout_ms is not used: deletion completes
// before the response.
//
// Version notes: v1 throttle time; v4 flexible; v5 error_message. v6 (topic ids) is not served.
import { ErrorCode, KafkaError } from '../protocol/errors.js'
import {
  DeleteTopicsRequestSchema,
  DeleteTopicsResponseSchema,
} from '../protocol/messages/delete-topics.js'
import type {
  DeletableTopicResult,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
} from '../protocol/messages/delete-topics.js'
import { topicManagerFor } from '../metadata/topic-manager.js'
import { resultError } from '../metadata/error-message.js'
import type { HandlerDef, RequestContext } from '../server/handler.js'

async function deleteOne(name: string, ctx: RequestContext): Promise<DeletableTopicResult> {
  try {
    if (!ctx.broker.config.deleteTopicEnable) {
      throw new KafkaError(
        ctx.apiVersion >= 3 ? 'TOPIC_DELETION_DISABLED' : 'INVALID_REQUEST',
        'topic deletion is disabled (delete.topic.enable=false)',
      )
    }
    await topicManagerFor(ctx.broker).delete(name)
    return { name, errorCode: ErrorCode.NONE, errorMessage: null }
  } catch (err) {
    return { name, ...resultError(err) }
  }
}

export async function handleDeleteTopics(
  request: DeleteTopicsRequest,
  ctx: RequestContext,
): Promise<DeleteTopicsResponse> {
  const counts = new Map<string, number>()
  for (const n of request.topicNames) counts.set(n, (counts.get(n) ?? 0) + 1)
  const responses: DeletableTopicResult[] = []
  const done = new Set<string>()
  for (const name of request.topicNames) {
    if (done.has(name)) continue
    done.add(name)
    if ((counts.get(name) ?? 0) > 1) {
      const err = new KafkaError('INVALID_REQUEST', `topic '${name}' is listed more than once`)
      responses.push({ name, ...resultError(err) })
      continue
    }
    responses.push(await deleteOne(name, ctx))
  }
  return { throttleTimeMs: 0, responses }
}

export const deleteTopicsHandler: HandlerDef<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 5,
  request: DeleteTopicsRequestSchema,
  response: DeleteTopicsResponseSchema,
  handle: handleDeleteTopics,
}

export { deleteTopicsHandler as handler }
export default deleteTopicsHandler
