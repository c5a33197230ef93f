// Reusable round-trip checks for message schemas: encode a sample in every valid version, decode
// it back, and compare with what that version can carry (fields outside the version take their
// defaults). Other message authors call roundTripAllVersions from their own tests.

import { expect } from 'vitest'
import { Reader } from '../../src/protocol/primitives/reader.js'
import { Writer, concatChunks } from '../../src/protocol/primitives/writer.js'
import {
  decodeMessage,
  defaultOf,
  encodeDefaultOf,
  encodeMessage,
} from '../../src/protocol/schema/codec.js'
import { inVersions } from '../../src/protocol/schema/dsl.js'
import type { FieldDef, MessageSchema } from '../../src/protocol/schema/dsl.js'

type Obj = Record<string, unknown>

export function encodeToBuffer(schema: MessageSchema, version: number, value: unknown): Buffer {
  const w = new Writer(64)
  encodeMessage(schema, version, value, w)
  return concatChunks(w.finish())
}

/** Decodes and checks that the whole buffer was consumed. */
export function decodeFromBuffer<T>(schema: MessageSchema, version: number, buf: Buffer): T {
  const r = new Reader(buf)
  const out = decodeMessage<T>(schema, version, r)
  expect(r.remaining, `${schema.name} v${version}: trailing bytes after decode`).toBe(0)
  return out
}

function projectFields(fields: readonly FieldDef[], version: number, value: unknown): Obj {
  const src = (value ?? {}) as Obj
  const out: Obj = {}
  for (const f of fields) {
    const v = src[f.name]
    out[f.name] = inVersions(f.versions, version) ? projectValue(f, version, v) : defaultOf(f)
  }
  return out
}

function projectValue(f: FieldDef, version: number, v: unknown): unknown {
  if (v === undefined) return encodeDefaultOf(f, version)
  if (v === null) return null
  if (f.kind === 'struct') return projectFields(f.fields, version, v)
  if (f.kind === 'array' && typeof f.items !== 'string') {
    const items = f.items
    return (v as unknown[]).map((item) => projectFields(items, version, item))
  }
  return v
}

/** What decoding `value` encoded at `version` must give. */
export function projectToVersion(schema: MessageSchema, version: number, value: unknown): Obj {
  return projectFields(schema.fields, version, value)
}

/**
 * For every version in schema.validVersions: encode sampleFactory(version), decode it, compare
 * with the sample projected onto that version, and check that re-encoding the decoded value gives
 * the same bytes. Returns the encodings by version for further assertions.
 */
export function roundTripAllVersions(
  schema: MessageSchema,
  sampleFactory: (version: number) => unknown,
): Map<number, Buffer> {
  const out = new Map<number, Buffer>()
  for (let v = schema.validVersions.min; v <= schema.validVersions.max; v++) {
    const sample = sampleFactory(v)
    const bytes = encodeToBuffer(schema, v, sample)
    const decoded = decodeFromBuffer<Obj>(schema, v, bytes)
    expect(decoded, `${schema.name} v${v}`).toEqual(projectToVersion(schema, v, sample))
    expect(encodeToBuffer(schema, v, decoded).equals(bytes), `${schema.name} v${v} re-encode`).toBe(
      true,
    )
    out.set(v, bytes)
  }
  return out
}
