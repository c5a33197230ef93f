// Every schema in src/protocol/messages: an all-defaults value round-trips in every version, and
// every truncation of it fails with ProtocolError. Catches schemas the codec cannot compile.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ProtocolError, Reader } from '../../src/protocol/primitives/reader.js'
import { decodeMessage } from '../../src/protocol/schema/codec.js'
import type { MessageSchema } from '../../src/protocol/schema/dsl.js'
import { encodeToBuffer, roundTripAllVersions } from './round-trip.js'

const dir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../src/protocol/messages',
)
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))

function isSchema(v: unknown): v is MessageSchema {
  return typeof v === 'object' && v !== null && 'validVersions' in v && 'fields' in v
}

describe('all message schemas', () => {
  for (const file of files) {
    it(`${file}: defaults round-trip; truncations are ProtocolErrors`, async () => {
      const mod = (await import(path.join(dir, file))) as Record<string, unknown>
      const schemas = Object.values(mod).filter(isSchema)
      expect(schemas.length).toBeGreaterThan(0)
      for (const schema of schemas) {
        roundTripAllVersions(schema, () => ({}))
        for (let v = schema.validVersions.min; v <= schema.validVersions.max; v++) {
          const b = encodeToBuffer(schema, v, {})
          for (let n = 0; n < b.length; n++) {
            expect(() => decodeMessage(schema, v, new Reader(b.subarray(0, n)))).toThrow(
              ProtocolError,
            )
          }
        }
      }
    })
  }
})
