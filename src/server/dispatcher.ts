// Turns one request frame into one response: header → handler lookup → version check → body
// decode with the handler's schema → handle() → response frame (size, header by the version
// rule, body). Kafka's behaviour on bad input: an unknown API key or an unsupported version
// closes the connection, except ApiVersions, which answers an unsupported version with a v0
// body carrying UNSUPPORTED_VERSION and its own range (KIP-511), so clients can negotiate.

import type { BrokerServices } from '../broker-services.js'
import { ErrorCode } from '../protocol/errors.js'
import { encodeResponse, readRequestHeader, requestHeaderVersion } from '../protocol/header.js'
import { ApiVersionsResponseSchema } from '../protocol/messages/api-versions.js'
import type { ApiVersionsResponse } from '../protocol/messages/api-versions.js'
import { ProtocolError, Reader } from '../protocol/primitives/reader.js'
import { Writer } from '../protocol/primitives/writer.js'
import { decodeMessage, messageVersionIsFlexible } from '../protocol/schema/codec.js'
import { CloseConnection } from './connection.js'
import type { ConnectionInfo, Response } from './connection.js'
import { handlersByKey } from './handler.js'
import type { AnyHandler, RequestContext } from './handler.js'

const API_VERSIONS_KEY = 18

/** RequestContext plus the hook a handler uses to learn when its response left (fetch pins). */
export interface DispatchContext extends RequestContext {
  /** fn runs once the response was sent, dropped (acks=0) or the connection died. */
  onResponseSent(fn: () => void): void
}

export class Dispatcher {
  private readonly byKey: Array<AnyHandler | undefined> = []
  // One scratch writer for all connections: chunks handed out are never overwritten (writer.ts).
  private readonly writer = new Writer(64 * 1024)

  constructor(
    handlers: readonly AnyHandler[],
    private readonly services: BrokerServices,
  ) {
    for (const [key, h] of handlersByKey(handlers)) this.byKey[key] = h
  }

  handler(apiKey: number): AnyHandler | undefined {
    return apiKey >= 0 ? this.byKey[apiKey] : undefined
  }

  /** For Connection: returns the response, null for none, or throws CloseConnection. */
  readonly dispatch = (
    frame: Buffer,
    conn: ConnectionInfo,
  ): Response | null | Promise<Response | null> => {
    const apiKey = frame.readInt16BE(0)
    const apiVersion = frame.readInt16BE(2)
    const correlationId = frame.readInt32BE(4)
    const handler = this.handler(apiKey)
    if (handler === undefined)
      throw new CloseConnection(`unknown api key ${apiKey} (version ${apiVersion})`)
    if (apiVersion < handler.minVersion || apiVersion > handler.maxVersion) {
      if (apiKey === API_VERSIONS_KEY) return this.unsupportedApiVersions(handler, correlationId)
      throw new CloseConnection(
        `${handler.name} version ${apiVersion} is outside the served range ` +
          `${handler.minVersion}-${handler.maxVersion}`,
      )
    }

    let request: unknown
    let clientId: string | null
    try {
      const reader = new Reader(frame)
      const hv = requestHeaderVersion(apiKey, apiVersion, () =>
        messageVersionIsFlexible(handler.request, apiVersion),
      )
      clientId = readRequestHeader(reader, hv).clientId
      request = decodeMessage(handler.request, apiVersion, reader)
    } catch (err) {
      if (err instanceof ProtocolError)
        throw new CloseConnection(
          `malformed ${handler.name} v${apiVersion} request: ${err.message}`,
        )
      throw err
    }

    // Latency covers decode-to-encoded response (not the send); one clock read each end.
    const started = performance.now()
    let sentHooks: Array<() => void> | null = null
    const ctx: DispatchContext = {
      apiKey,
      apiVersion,
      correlationId,
      clientId,
      connectionId: conn.id,
      remoteAddress: conn.remoteAddress,
      listenerName: conn.listenerName,
      broker: this.services,
      onResponseSent(fn) {
        ;(sentHooks ??= []).push(fn)
      },
    }
    const observe = (): void => {
      this.services.stats.traffic?.request(handler.name, (performance.now() - started) / 1000)
    }
    const finish = (res: unknown): Response | null => {
      observe()
      const onSent = sentHooks === null ? undefined : runAll(sentHooks)
      if (res === null) {
        onSent?.()
        return null
      }
      try {
        const enc = encodeResponse(this.writer, handler.response, apiVersion, correlationId, res)
        return { chunks: enc.chunks, onSent }
      } catch (err) {
        onSent?.()
        this.writer.finish()
        throw new Error(
          `encoding ${handler.name} v${apiVersion} response failed: ${errText(err)}`,
          {
            cause: err,
          },
        )
      }
    }
    const failed = (err: unknown): never => {
      observe()
      if (sentHooks !== null) runAll(sentHooks)()
      throw err
    }
    let out: unknown
    try {
      out = handler.handle(request, ctx)
    } catch (err) {
      failed(err)
    }
    if (out instanceof Promise) return out.then(finish, failed)
    return finish(out)
  }

  /** KIP-511: a v0 body, UNSUPPORTED_VERSION first, listing only ApiVersions' own range. */
  private unsupportedApiVersions(handler: AnyHandler, correlationId: number): Response {
    const body: ApiVersionsResponse = {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [
        {
          apiKey: API_VERSIONS_KEY,
          minVersion: handler.advertisedMinVersion ?? handler.minVersion,
          maxVersion: handler.maxVersion,
        },
      ],
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1,
      finalizedFeatures: [],
      zkMigrationReady: false,
    }
    const enc = encodeResponse(this.writer, ApiVersionsResponseSchema, 0, correlationId, body)
    return { chunks: enc.chunks }
  }
}

function runAll(fns: Array<() => void>): () => void {
  let ran = false
  return () => {
    if (ran) return
    ran = true
    for (const fn of fns) fn()
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
