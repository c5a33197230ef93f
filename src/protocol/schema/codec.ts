// Derives decode/encode for one (schema, version) from the DSL. Each pair is compiled once into a
// plan of closures specialised for that version (compact or classic forms, nullability, tagged or
// not), so the hot path never re-reads version strings.

import type { Reader } from '../primitives/reader.js'
import { ProtocolError, ZERO_UUID } from '../primitives/reader.js'
import { Writer, concatChunks } from '../primitives/writer.js'
import { NO_VERSIONS, inVersions } from './dsl.js'
import type { DefaultValue, FieldDef, MessageSchema, PrimitiveType } from './dsl.js'
import { nullError, scalarCodec } from './scalars.js'
import type { ReadFn, ValueCodec, WriteFn } from './scalars.js'

type Obj = Record<string, unknown>

interface FieldPlan {
  readonly name: string
  /** 'absent': not in this version; 'body': in the fixed part; 'tagged': in the tagged section. */
  readonly mode: 'absent' | 'body' | 'tagged'
  readonly tag: number
  readonly read: ReadFn
  readonly write: WriteFn
  readonly makeDefault: () => unknown
  readonly encodeDefault: () => unknown
  readonly isDefault: (v: unknown) => boolean
  readonly minBytes: number
}

interface StructPlan {
  readonly read: (r: Reader) => Obj
  readonly write: (w: Writer, v: Obj) => void
  readonly minBytes: number
}

const EMPTY = Buffer.alloc(0)

export function messageVersionIsFlexible(schema: MessageSchema, version: number): boolean {
  return inVersions(schema.flexibleVersions, version)
}

const cache = new WeakMap<MessageSchema, Map<number, StructPlan>>()

function planFor(schema: MessageSchema, version: number): StructPlan {
  let byVersion = cache.get(schema)
  if (byVersion === undefined) {
    byVersion = new Map()
    cache.set(schema, byVersion)
  }
  let plan = byVersion.get(version)
  if (plan === undefined) {
    if (!inVersions(schema.validVersions, version)) {
      throw new ProtocolError(`${schema.name} has no version ${version}`)
    }
    const flexible = inVersions(schema.flexibleVersions, version)
    plan = compileStruct(schema.fields, version, flexible, schema.name)
    byVersion.set(version, plan)
  }
  return plan
}

export function decodeMessage<T>(schema: MessageSchema, version: number, reader: Reader): T {
  return planFor(schema, version).read(reader) as T
}

export function encodeMessage<T>(
  schema: MessageSchema,
  version: number,
  value: T,
  writer: Writer,
): void {
  planFor(schema, version).write(writer, value as unknown as Obj)
}

/** The value a field takes when it is absent from a version (or an untransmitted tag). */
export function defaultOf(f: FieldDef): unknown {
  if (f.default !== undefined) return copyDefault(f.default)
  if (f.nullableVersions.min <= f.nullableVersions.max) return null
  if (f.kind === 'array') return []
  if (f.kind === 'struct') {
    const o: Obj = {}
    for (const sub of f.fields) o[sub.name] = defaultOf(sub)
    return o
  }
  return scalarDefault(f.type)
}

/**
 * The value encode uses for a field left undefined: the declared default, else null where this
 * version allows null, else the type's empty value (so the default is always legal to write).
 */
export function encodeDefaultOf(f: FieldDef, version: number): unknown {
  if (f.default !== undefined || inVersions(f.nullableVersions, version)) return defaultOf(f)
  if (f.nullableVersions.min > f.nullableVersions.max) return defaultOf(f)
  return defaultOf({ ...f, nullableVersions: NO_VERSIONS })
}

function copyDefault(d: DefaultValue): unknown {
  return Array.isArray(d) ? d.slice() : d
}

function scalarDefault(t: PrimitiveType): unknown {
  switch (t) {
    case 'bool':
      return false
    case 'uuid':
      return ZERO_UUID
    case 'string':
      return ''
    case 'bytes':
    case 'records':
      return EMPTY
    default:
      return 0
  }
}

/** A predicate for "equals the field's default", built once per field (tagged fields only). */
function defaultPredicate(f: FieldDef): (v: unknown) => boolean {
  const d = defaultOf(f)
  if (d === null || typeof d !== 'object') return (v) => v === undefined || v === d
  if (Buffer.isBuffer(d)) return (v) => v === undefined || (Buffer.isBuffer(v) && v.length === 0)
  if (Array.isArray(d)) {
    const empty = d.length === 0
    return (v) => v === undefined || (empty && Array.isArray(v) && v.length === 0)
  }
  if (f.kind === 'struct') {
    const subs = f.fields.map((sub) => ({ name: sub.name, isDefault: defaultPredicate(sub) }))
    return (v) => {
      if (v === undefined) return true
      if (v === null || typeof v !== 'object') return false
      const o = v as Obj
      for (const sub of subs) if (!sub.isDefault(o[sub.name])) return false
      return true
    }
  }
  return (v) => v === undefined
}

function compileStruct(
  fields: readonly FieldDef[],
  version: number,
  flexible: boolean,
  path: string,
): StructPlan {
  const plans = fields.map((f) => compileField(f, version, flexible, `${path}.${f.name}`))
  const body = plans.filter((p) => p.mode === 'body')
  const tagged = plans.filter((p) => p.mode === 'tagged').sort((a, b) => a.tag - b.tag)
  const byTag = new Map<number, FieldPlan>()
  for (const p of tagged) byTag.set(p.tag, p)
  let minBytes = flexible ? 1 : 0
  for (const p of body) minBytes += p.minBytes

  const read = (r: Reader): Obj => {
    const o: Obj = {}
    for (let i = 0; i < plans.length; i++) {
      const p = plans[i]!
      o[p.name] = p.mode === 'body' ? p.read(r) : p.makeDefault()
    }
    if (flexible) {
      r.taggedFields((tag, fr) => {
        const p = byTag.get(tag)
        if (p !== undefined) o[p.name] = p.read(fr)
      })
    }
    return o
  }

  const write = (w: Writer, o: Obj): void => {
    if (o === null || typeof o !== 'object') {
      throw new Error(`${path}: expected an object, got ${String(o)}`)
    }
    for (let i = 0; i < body.length; i++) {
      const p = body[i]!
      let v = o[p.name]
      if (v === undefined) v = p.encodeDefault()
      p.write(w, v)
    }
    if (!flexible) return
    if (tagged.length === 0) {
      w.uvarint(0)
      return
    }
    let count = 0
    for (const p of tagged) if (!p.isDefault(o[p.name])) count++
    w.uvarint(count)
    for (const p of tagged) {
      if (p.isDefault(o[p.name])) continue
      const sub = new Writer(64)
      p.write(sub, o[p.name])
      const bytes = concatChunks(sub.finish())
      w.uvarint(p.tag)
      w.uvarint(bytes.length)
      w.raw(bytes)
    }
  }

  return { read, write, minBytes }
}

function compileField(f: FieldDef, version: number, flexible: boolean, path: string): FieldPlan {
  const makeDefault = (): unknown => defaultOf(f)
  const isDefault = f.tag === undefined ? (v: unknown) => v === undefined : defaultPredicate(f)
  const tag = f.tag ?? -1
  if (!inVersions(f.versions, version)) {
    const none = (): never => {
      throw new Error(`${path} is not in this version`)
    }
    return {
      name: f.name,
      mode: 'absent',
      tag,
      read: none,
      write: none,
      makeDefault,
      encodeDefault: makeDefault,
      isDefault,
      minBytes: 0,
    }
  }
  const isTagged = flexible && f.tag !== undefined && inVersions(f.taggedVersions, version)
  const nullable = inVersions(f.nullableVersions, version)
  // Encoding only reads values, so one default instance can be shared by every encode.
  const encodeDefaultValue = encodeDefaultOf(f, version)
  const encodeDefault = (): unknown => encodeDefaultValue
  const { read, write, minBytes } = compileValue(f, version, flexible, nullable, path)
  return {
    name: f.name,
    mode: isTagged ? 'tagged' : 'body',
    tag,
    read,
    write,
    makeDefault,
    encodeDefault,
    isDefault,
    minBytes: isTagged ? 0 : minBytes,
  }
}

function compileValue(
  f: FieldDef,
  version: number,
  flexible: boolean,
  nullable: boolean,
  path: string,
): ValueCodec {
  if (f.kind === 'field') return scalarCodec(f.type, flexible, nullable, path)
  if (f.kind === 'struct') {
    const plan = compileStruct(f.fields, version, flexible, path)
    if (!nullable) {
      return {
        read: plan.read,
        write: (w, v) => {
          if (v === null) throw nullError(path)
          plan.write(w, v as Obj)
        },
        minBytes: plan.minBytes,
      }
    }
    // Nullable structs carry an int8 marker: -1 null, 1 present.
    return {
      read: (r) => (r.int8() < 0 ? null : plan.read(r)),
      write: (w, v) => {
        if (v === null) w.int8(-1)
        else {
          w.int8(1)
          plan.write(w, v as Obj)
        }
      },
      minBytes: 1,
    }
  }
  const item: ValueCodec =
    typeof f.items === 'string'
      ? scalarCodec(f.items, flexible, false, `${path}[]`)
      : (() => {
          const p = compileStruct(f.items, version, flexible, `${path}[]`)
          return { read: p.read as ReadFn, write: p.write as WriteFn, minBytes: p.minBytes }
        })()
  const itemRead = item.read
  const itemWrite = item.write
  const itemMin = item.minBytes
  return {
    read: (r) => {
      const n = flexible ? r.compactArrayLength(itemMin) : r.arrayLength(itemMin)
      if (n === -1) {
        if (nullable) return null
        throw new ProtocolError(`${path}: null array where not allowed`)
      }
      const out: unknown[] = new Array<unknown>(n)
      for (let i = 0; i < n; i++) out[i] = itemRead(r)
      return out
    },
    write: (w, v) => {
      if (v === null) {
        if (!nullable) throw nullError(path)
        w.arrayLength(null, flexible)
        return
      }
      if (!Array.isArray(v)) throw new Error(`${path}: expected an array`)
      w.arrayLength(v.length, flexible)
      for (let i = 0; i < v.length; i++) itemWrite(w, v[i])
    },
    minBytes: flexible ? 1 : 4,
  }
}
