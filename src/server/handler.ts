// The contract between the server and the per-API handlers (src/handlers/NN-*.ts): a handler
// declares its API key, the versions it serves and its schemas; the dispatcher decodes the
// request with the schema, calls handle() and encodes what it returns.

import type { BrokerServices } from '../broker-services.js'
import type { MessageSchema } from '../protocol/schema/dsl.js'

export interface RequestContext {
  readonly apiKey: number
  readonly apiVersion: number
  readonly correlationId: number
  readonly clientId: string | null
  readonly connectionId: number
  readonly remoteAddress: string
  readonly broker: BrokerServices
}

export interface HandlerDef<Req, Res> {
  apiKey: number
  name: string
  minVersion: number
  maxVersion: number
  /** Advertised in ApiVersions instead of minVersion (e.g. Produce advertises 0, serves 3+). */
  advertisedMinVersion?: number
  request: MessageSchema
  response: MessageSchema
  /** null = send no response (Produce acks=0). Throwing closes the connection (logged). */
  handle(request: Req, ctx: RequestContext): Res | null | Promise<Res | null>
}

export type AnyHandler = HandlerDef<unknown, unknown>
