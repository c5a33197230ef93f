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
  /** The listener the request came in on (advertised addresses are per listener). */
  readonly listenerName: string
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

const MAX_API_KEY = 0x7fff

/** The handlers by API key; throws on a duplicate or bad key or a bad version range. */
export function handlersByKey(list: readonly AnyHandler[]): Map<number, AnyHandler> {
  const byKey = new Map<number, AnyHandler>()
  for (const h of list) {
    if (!Number.isInteger(h.apiKey) || h.apiKey < 0 || h.apiKey > MAX_API_KEY)
      throw new Error(`handler ${h.name}: bad api key ${h.apiKey}`)
    const other = byKey.get(h.apiKey)
    if (other !== undefined)
      throw new Error(`api key ${h.apiKey} has two handlers: ${other.name} and ${h.name}`)
    if (h.minVersion > h.maxVersion || h.minVersion < 0)
      throw new Error(`handler ${h.name}: bad version range ${h.minVersion}-${h.maxVersion}`)
    byKey.set(h.apiKey, h)
  }
  return byKey
}
