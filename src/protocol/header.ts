// Request/response headers and the rules for which header version goes with which message.
//
// Request header v1: apiKey int16, apiVersion int16, correlationId int32, clientId nullable
// int16-length string. v2 (flexible requests) adds a tagged-field section; clientId stays a
// classic string so any broker can read the header of any request. v0 (ControlledShutdown v0
// only) has no clientId. Response header v0 is the correlationId; v1 adds tagged fields; an
// ApiVersions response always uses v0 (KIP-511) so clients can read it before negotiating.

import type { Reader } from './primitives/reader.js'
import { ProtocolError } from './primitives/reader.js'
import type { Encoded, Writer } from './primitives/writer.js'
import { encodeMessage, messageVersionIsFlexible } from './schema/codec.js'
import type { MessageSchema } from './schema/dsl.js'

const API_VERSIONS_KEY = 18
const CONTROLLED_SHUTDOWN_KEY = 7

export type RequestHeaderVersion = 0 | 1 | 2
export type ResponseHeaderVersion = 0 | 1

export interface RequestHeaderPrefix {
  apiKey: number
  apiVersion: number
  correlationId: number
}

export interface RequestHeader extends RequestHeaderPrefix {
  clientId: string | null
}

/** Reads apiKey, apiVersion, correlationId from a frame (without its size prefix). */
export function parseRequestHeaderPrefix(frame: Buffer): RequestHeaderPrefix {
  if (frame.length < 8) throw new ProtocolError(`request of ${frame.length} bytes has no header`)
  return {
    apiKey: frame.readInt16BE(0),
    apiVersion: frame.readInt16BE(2),
    correlationId: frame.readInt32BE(4),
  }
}

export function requestHeaderVersion(
  apiKey: number,
  apiVersion: number,
  isFlexible: (apiKey: number, apiVersion: number) => boolean,
): RequestHeaderVersion {
  if (apiKey === CONTROLLED_SHUTDOWN_KEY && apiVersion === 0) return 0
  return isFlexible(apiKey, apiVersion) ? 2 : 1
}

export function responseHeaderVersion(
  apiKey: number,
  _apiVersion: number,
  flexible: boolean,
): ResponseHeaderVersion {
  if (apiKey === API_VERSIONS_KEY) return 0
  return flexible ? 1 : 0
}

/**
 * Reads a request header of the given version; afterwards the reader is at the request body.
 * Unknown tagged fields in a v2 header are skipped.
 */
export function readRequestHeader(
  reader: Reader,
  headerVersion: RequestHeaderVersion,
): RequestHeader {
  const apiKey = reader.int16()
  const apiVersion = reader.int16()
  const correlationId = reader.int32()
  const clientId = headerVersion >= 1 ? reader.nullableString() : null
  if (headerVersion >= 2) reader.taggedFields()
  return { apiKey, apiVersion, correlationId, clientId }
}

export function writeRequestHeader(
  w: Writer,
  header: RequestHeader,
  headerVersion: RequestHeaderVersion,
): void {
  w.int16(header.apiKey)
  w.int16(header.apiVersion)
  w.int32(header.correlationId)
  if (headerVersion >= 1) w.nullableString(header.clientId)
  if (headerVersion >= 2) w.emptyTaggedFields()
}

export function writeResponseHeader(
  w: Writer,
  correlationId: number,
  headerVersion: ResponseHeaderVersion,
): void {
  w.int32(correlationId)
  if (headerVersion >= 1) w.emptyTaggedFields()
}

/**
 * A complete response frame: int32 size, response header, then whatever writeBody writes. The
 * size is filled in after the body is written, so body chunks (file regions) are never copied.
 */
export function encodeFrame(w: Writer, writeHeaderAndBody: (w: Writer) => void): Encoded {
  if (w.length !== 0) throw new Error('encodeFrame: writer has unfinished data')
  const size = w.reserveInt32()
  writeHeaderAndBody(w)
  const out = w.finish()
  w.setInt32(size, out.length - 4)
  return out
}

/** Frames a response: size + header (version per the rules above) + schema-encoded body. */
export function encodeResponse<T>(
  w: Writer,
  schema: MessageSchema,
  apiVersion: number,
  correlationId: number,
  body: T,
): Encoded {
  const hv = responseHeaderVersion(
    schema.apiKey,
    apiVersion,
    messageVersionIsFlexible(schema, apiVersion),
  )
  return encodeFrame(w, (fw) => {
    writeResponseHeader(fw, correlationId, hv)
    encodeMessage(schema, apiVersion, body, fw)
  })
}

/** Frames a request (for tests and tools acting as a client). */
export function encodeRequest<T>(
  w: Writer,
  schema: MessageSchema,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: T,
): Encoded {
  const hv = requestHeaderVersion(schema.apiKey, apiVersion, () =>
    messageVersionIsFlexible(schema, apiVersion),
  )
  return encodeFrame(w, (fw) => {
    writeRequestHeader(fw, { apiKey: schema.apiKey, apiVersion, correlationId, clientId }, hv)
    encodeMessage(schema, apiVersion, body, fw)
  })
}

/** Reads a response header of the given version; afterwards the reader is at the body. */
export function readResponseHeader(reader: Reader, headerVersion: ResponseHeaderVersion): number {
  const correlationId = reader.int32()
  if (headerVersion >= 1) reader.taggedFields()
  return correlationId
}
