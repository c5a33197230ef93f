// Checks a Produce response by reading its error codes where they lie, instead of decoding the
// whole response into objects for every acknowledged batch. Only a failed response (rare: the run
// stops) goes through the schema codec, to report the broker's error message.

import { errorName } from '../../protocol/errors.js'
import { readResponseHeader } from '../../protocol/header.js'
import { ProduceResponseSchema } from '../../protocol/messages/produce.js'
import type { ProduceResponse } from '../../protocol/messages/produce.js'
import { Reader } from '../../protocol/primitives/reader.js'
import { decodeMessage } from '../../protocol/schema/codec.js'

/**
 * The first non-zero partition error code of a Produce response frame (after the size prefix),
 * or 0. Non-flexible versions only (0-8); throws on a truncated frame.
 */
export function produceResponseError(frame: Buffer, version: number): number {
  if (version > 8) throw new Error(`Produce v${version} responses are flexible: not supported`)
  // Per partition: index, error code, base offset, log append time (v2+), log start (v5+).
  const fixed = 4 + 2 + 8 + (version >= 2 ? 8 : 0) + (version >= 5 ? 8 : 0)
  let pos = 4 // correlation id
  const topics = frame.readInt32BE(pos)
  pos += 4
  for (let t = 0; t < topics; t++) {
    pos += 2 + Math.max(0, frame.readInt16BE(pos)) // topic name
    const partitions = frame.readInt32BE(pos)
    pos += 4
    for (let p = 0; p < partitions; p++) {
      if (pos + fixed > frame.length) throw new RangeError('truncated Produce response')
      const errorCode = frame.readInt16BE(pos + 4)
      if (errorCode !== 0) return errorCode
      pos += fixed
      if (version >= 8) {
        const recordErrors = frame.readInt32BE(pos)
        pos += 4
        for (let i = 0; i < recordErrors; i++)
          pos += 4 + 2 + Math.max(0, frame.readInt16BE(pos + 4))
        pos += 2 + Math.max(0, frame.readInt16BE(pos)) // error message
      }
    }
  }
  return 0
}

/** A readable account of a failed Produce response (full decode; off the hot path). */
export function describeProduceFailure(frame: Buffer, version: number): string {
  const reader = new Reader(frame)
  readResponseHeader(reader, 0)
  const res = decodeMessage<ProduceResponse>(ProduceResponseSchema, version, reader)
  for (const t of res.responses)
    for (const p of t.partitionResponses)
      if (p.errorCode !== 0)
        return `produce to ${t.name}-${p.index} failed: ${errorName(p.errorCode)}${p.errorMessage !== null ? ` (${p.errorMessage})` : ''}`
  return 'produce failed'
}
