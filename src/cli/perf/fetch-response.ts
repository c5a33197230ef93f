// A minimal walk over a Fetch response frame for the load generator's consumer: it reads the
// error codes and finds each partition's records region, and nothing else. No strings are
// decoded, no objects are built per partition, and the records stay where they are in the frame
// (the caller scans the batch headers in place). Layout per src/protocol/messages/fetch.ts.

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

class Cursor {
  pos = 0
  constructor(readonly buf: Buffer) {}

  need(n: number): number {
    const at = this.pos
    if (n < 0 || at + n > this.buf.length) throw new Error('malformed Fetch response: truncated')
    this.pos = at + n
    return at
  }

  int16(): number {
    return this.buf.readInt16BE(this.need(2))
  }

  int32(): number {
    return this.buf.readInt32BE(this.need(4))
  }

  uvarint(): number {
    let value = 0
    let mul = 1
    for (let i = 0; i < 5; i++) {
      const b = this.buf[this.need(1)] as number
      value += (b & 0x7f) * mul
      if (b < 0x80) return value
      mul *= 128
    }
    throw new Error('malformed Fetch response: varint too long')
  }

  /** Array length: int32 (-1 = null), or compact uvarint N+1 (0 = null) in flexible versions. */
  arrayLength(flexible: boolean): number {
    return flexible ? this.uvarint() - 1 : this.int32()
  }

  skipString(flexible: boolean): void {
    const len = flexible ? this.uvarint() - 1 : this.int16()
    if (len > 0) this.need(len)
  }

  skipTaggedFields(): void {
    const n = this.uvarint()
    for (let i = 0; i < n; i++) {
      this.uvarint() // tag
      this.need(this.uvarint())
    }
  }
}

/**
 * Walks a Fetch response of `version` (0-12; flexible from 12), calling `visit` per partition.
 * Returns the top-level error code (0 before v7). Throws on a truncated or malformed frame.
 */
export function walkFetchResponse(
  frame: Buffer,
  version: number,
  visit: FetchPartitionVisitor,
): number {
  const flexible = version >= 12
  const c = new Cursor(frame)
  c.int32() // correlation id
  if (flexible) c.skipTaggedFields()
  if (version >= 1) c.int32() // throttle time
  let errorCode = 0
  if (version >= 7) {
    errorCode = c.int16()
    c.int32() // session id
  }
  const topics = c.arrayLength(flexible)
  for (let t = 0; t < topics; t++) {
    c.skipString(flexible)
    const partitions = c.arrayLength(flexible)
    for (let p = 0; p < partitions; p++) {
      const partition = c.int32()
      const partitionError = c.int16()
      c.need(8) // high watermark
      if (version >= 4) c.need(8) // last stable offset
      if (version >= 5) c.need(8) // log start offset
      if (version >= 4) {
        const aborted = c.arrayLength(flexible)
        for (let i = 0; i < aborted; i++) {
          c.need(16) // producer id, first offset
          if (flexible) c.skipTaggedFields()
        }
      }
      if (version >= 11) c.int32() // preferred read replica
      const size = flexible ? c.uvarint() - 1 : c.int32()
      const start = size > 0 ? c.need(size) : c.pos
      if (flexible) c.skipTaggedFields()
      visit(partition, partitionError, frame, start, start + Math.max(0, size))
    }
    if (flexible) c.skipTaggedFields()
  }
  if (flexible) c.skipTaggedFields()
  return errorCode
}
