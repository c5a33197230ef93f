// Readers and writers for single values of the primitive types, specialised per form (classic
// or compact, nullable or not), used by the codec's compiled plans.

import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { PrimitiveType, RecordsValue } from './dsl.js'

export type ReadFn = (r: Reader) => unknown
export type WriteFn = (w: Writer, v: unknown) => void

export interface ValueCodec {
  read: ReadFn
  write: WriteFn
  minBytes: number
}

export function nullError(path: string): Error {
  return new Error(`${path}: null is not allowed in this version`)
}

type RegionsValue = Exclude<RecordsValue, Buffer | null>

function writeRecords(
  w: Writer,
  v: unknown,
  flexible: boolean,
  nullable: boolean,
  path: string,
): void {
  if (v === null) {
    if (!nullable) throw nullError(path)
    if (flexible) w.uvarint(0)
    else w.int32(-1)
    return
  }
  if (Buffer.isBuffer(v)) {
    if (flexible) w.uvarint(v.length + 1)
    else w.int32(v.length)
    w.raw(v)
    return
  }
  const rv = v as RegionsValue
  if (rv === undefined || typeof rv !== 'object' || !Array.isArray(rv.regions)) {
    throw new Error(`${path}: records must be a Buffer, null or { regions, bytes }`)
  }
  let sum = 0
  for (const r of rv.regions) sum += r.length
  if (sum !== rv.bytes) throw new Error(`${path}: regions add up to ${sum}, not ${rv.bytes} bytes`)
  if (flexible) w.uvarint(sum + 1)
  else w.int32(sum)
  for (const r of rv.regions) if (r.length > 0) w.region(r)
}

export function scalarCodec(
  t: PrimitiveType,
  flexible: boolean,
  nullable: boolean,
  path: string,
): ValueCodec {
  const checkNull = (v: unknown): void => {
    if (v === null) throw nullError(path)
  }
  switch (t) {
    case 'bool':
      return {
        read: (r) => r.bool(),
        write: (w, v) => (checkNull(v), w.bool(v as boolean)),
        minBytes: 1,
      }
    case 'int8':
      return {
        read: (r) => r.int8(),
        write: (w, v) => (checkNull(v), w.int8(v as number)),
        minBytes: 1,
      }
    case 'int16':
      return {
        read: (r) => r.int16(),
        write: (w, v) => (checkNull(v), w.int16(v as number)),
        minBytes: 2,
      }
    case 'uint16':
      return {
        read: (r) => r.uint16(),
        write: (w, v) => (checkNull(v), w.uint16(v as number)),
        minBytes: 2,
      }
    case 'int32':
      return {
        read: (r) => r.int32(),
        write: (w, v) => (checkNull(v), w.int32(v as number)),
        minBytes: 4,
      }
    case 'uint32':
      return {
        read: (r) => r.uint32(),
        write: (w, v) => (checkNull(v), w.uint32(v as number)),
        minBytes: 4,
      }
    case 'int64':
      return {
        read: (r) => r.int64(),
        write: (w, v) => (checkNull(v), w.int64(v as number)),
        minBytes: 8,
      }
    case 'float64':
      return {
        read: (r) => r.float64(),
        write: (w, v) => (checkNull(v), w.float64(v as number)),
        minBytes: 8,
      }
    case 'uuid':
      return {
        read: (r) => r.uuid(),
        write: (w, v) => (checkNull(v), w.uuid(v as string)),
        minBytes: 16,
      }
    case 'string':
      if (flexible) {
        return nullable
          ? {
              read: (r) => r.compactNullableString(),
              write: (w, v) => w.compactNullableString(v as string | null),
              minBytes: 1,
            }
          : {
              read: (r) => r.compactString(),
              write: (w, v) => (checkNull(v), w.compactString(v as string)),
              minBytes: 1,
            }
      }
      return nullable
        ? {
            read: (r) => r.nullableString(),
            write: (w, v) => w.nullableString(v as string | null),
            minBytes: 2,
          }
        : {
            read: (r) => r.string(),
            write: (w, v) => (checkNull(v), w.string(v as string)),
            minBytes: 2,
          }
    case 'bytes':
      if (flexible) {
        return nullable
          ? {
              read: (r) => r.compactNullableBytes(),
              write: (w, v) => w.compactNullableBytes(v as Buffer | null),
              minBytes: 1,
            }
          : {
              read: (r) => r.compactBytes(),
              write: (w, v) => (checkNull(v), w.compactBytes(v as Buffer)),
              minBytes: 1,
            }
      }
      return nullable
        ? {
            read: (r) => r.nullableBytes(),
            write: (w, v) => w.nullableBytes(v as Buffer | null),
            minBytes: 4,
          }
        : {
            read: (r) => r.bytes(),
            write: (w, v) => (checkNull(v), w.bytes(v as Buffer)),
            minBytes: 4,
          }
    case 'records': {
      const read: ReadFn = flexible
        ? nullable
          ? (r) => r.compactNullableBytes()
          : (r) => r.compactBytes()
        : nullable
          ? (r) => r.nullableBytes()
          : (r) => r.bytes()
      return {
        read,
        write: (w, v) => writeRecords(w, v, flexible, nullable, path),
        minBytes: flexible ? 1 : 4,
      }
    }
  }
}
