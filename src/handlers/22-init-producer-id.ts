// InitProducerId (key 22), versions 0-4, for idempotent producers. Transactions are not
// implemented (docs/SKIPPED.md): a transactional id is refused with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, the non-retriable answer Kafka gives a producer that may
// not use transactional ids, so clients fail fast instead of retrying forever.
import { ErrorCode, KafkaError, errorCodeOf } from '../protocol/errors.js'
import {
  InitProducerIdRequestSchema,
  InitProducerIdResponseSchema,
} from '../protocol/messages/init-producer-id.js'
import type {
  InitProducerIdRequest,
  InitProducerIdResponse,
} from '../protocol/messages/init-producer-id.js'
import type { ProducerIdAllocator } from '../metadata/producer-ids.js'
import type { HandlerDef } from '../server/handler.js'

function failure(err: unknown): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode: errorCodeOf(err), producerId: -1, producerEpoch: -1 }
}

export async function initProducerId(
  request: InitProducerIdRequest,
  allocator: Pick<ProducerIdAllocator, 'init'>,
): Promise<InitProducerIdResponse> {
  try {
    if (request.transactionalId !== null) {
      throw new KafkaError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'transactions not supported')
    }
    const hasId = request.producerId >= 0
    const hasEpoch = request.producerEpoch >= 0
    // Kafka rejects a producer id without an epoch and the other way round.
    if (hasId !== hasEpoch) throw new KafkaError('INVALID_REQUEST', 'producer id without epoch')
    const result = await allocator.init(
      hasId ? { producerId: request.producerId, producerEpoch: request.producerEpoch } : undefined,
    )
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, ...result }
  } catch (err) {
    return failure(err)
  }
}

export const initProducerIdHandler: HandlerDef<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 4,
  request: InitProducerIdRequestSchema,
  response: InitProducerIdResponseSchema,
  handle(request, ctx) {
    return initProducerId(request, ctx.broker.producerIds)
  },
}

export const handler = initProducerIdHandler
export default initProducerIdHandler
