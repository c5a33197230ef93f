// A minimal walk over a Fetch response frame for the load generator's consumer: it reads the
// error codes and finds each partition's records region, and nothing else. No strings are
// decoded, no objects are built per partition, and the records stay where they are in the frame
// (the caller scans the batch headers in place). Layout per src/protocol/messages/fetch.ts.

import { Reader } from '../../protocol/primitives/reader.js'

/** Fetch v11: the last non-flexible version (fixed-width fields), Kafka 2.3 and later. */
export const FETCH_VERSION = 11

/**
 * Called for each partition in response order; its records are frame[start, end) (empty when
 * null). The frame is the response without its size prefix.
 */
export type FetchPartitionVisitor = (
  partition: number,
  errorCode: number,
  frame: Buffer,
  start: number,
  end: number,
) => void

/** Array length: int32 (-1 = null), or compact uvarint N+1 (0 = null) in flexible versions. */
function arrayLength(r: Reader, flexible: boolean): number {
  return flexible ? r.compactArrayLength() : r.arrayLength()
}

/** The top-level fields of a Fetch response (0 before v7). */
export interface FetchResponseHead {
  errorCode: number
  sessionId: number
}

/**
 * Walks a Fetch response of `version` (0-12; flexible from 12), calling `visit` per partition.
 * Throws on a truncated or malformed frame.
 */
export function walkFetchResponse(
  frame: Buffer,
  version: number,
  visit: FetchPartitionVisitor,
): FetchResponseHead {
  const flexible = version >= 12
  const r = new Reader(frame)
  r.int32() // correlation id
  if (flexible) r.taggedFields()
  if (version >= 1) r.int32() // throttle time
  let errorCode = 0
  let sessionId = 0
  if (version >= 7) {
    errorCode = r.int16()
    sessionId = r.int32()
  }
  const topics = arrayLength(r, flexible)
  for (let t = 0; t < topics; t++) {
    r.skip(Math.max(0, flexible ? r.uvarint() - 1 : r.int16())) // topic name
    const partitions = arrayLength(r, flexible)
    for (let p = 0; p < partitions; p++) {
      const partition = r.int32()
      const partitionError = r.int16()
      r.skip(8) // high watermark
      if (version >= 4) r.skip(8) // last stable offset
      if (version >= 5) r.skip(8) // log start offset
      if (version >= 4) {
        const aborted = arrayLength(r, flexible)
        for (let i = 0; i < aborted; i++) {
          r.skip(16) // producer id, first offset
          if (flexible) r.taggedFields()
        }
      }
      if (version >= 11) r.int32() // preferred read replica
      const size = Math.max(0, flexible ? r.uvarint() - 1 : r.int32())
      const start = r.offset
      r.skip(size)
      if (flexible) r.taggedFields()
      visit(partition, partitionError, frame, start, start + size)
    }
    if (flexible) r.taggedFields()
  }
  if (flexible) r.taggedFields()
  return { errorCode, sessionId }
}
