// Declarative message schemas in the shape of Kafka's JSON message definitions: fields carry
// version ranges, nullable ranges and tags; the codec (codec.ts) derives decode/encode per version.

import type { FileRegion } from '../../native/index.js'

export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint16'
  | 'uint32'
  | 'float64'
  | 'uuid'
  | 'string'
  | 'bytes'
  | 'records'

/** An inclusive version range; 'none' is the empty range { min: 1, max: 0 }. */
export interface VersionRange {
  readonly min: number
  readonly max: number
}

export const NO_VERSIONS: VersionRange = Object.freeze({ min: 1, max: 0 })
const MAX_VERSION = 0x7fff

/** Parses Kafka version strings: '3+', '3-7', '3', 'none'. */
export function parseVersions(spec: string): VersionRange {
  const s = spec.trim()
  if (s === 'none') return NO_VERSIONS
  let m = /^(\d+)\+$/.exec(s)
  if (m !== null) return { min: Number(m[1]), max: MAX_VERSION }
  m = /^(\d+)-(\d+)$/.exec(s)
  if (m !== null) {
    const min = Number(m[1])
    const max = Number(m[2])
    if (max < min) throw new Error(`invalid version range '${spec}'`)
    return { min, max }
  }
  m = /^(\d+)$/.exec(s)
  if (m !== null) return { min: Number(m[1]), max: Number(m[1]) }
  throw new Error(`invalid version range '${spec}'`)
}

export function inVersions(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max
}

/** Default values are plain data matching the field's decoded type. */
export type DefaultValue = boolean | number | string | null | readonly unknown[]

export interface FieldOptions {
  nullableVersions?: string
  default?: DefaultValue
  /** Tag number: in flexible versions within taggedVersions the field goes in the tagged section. */
  tag?: number
  taggedVersions?: string
  /** Kafka's 'ignorable': informational here, fields outside their versions are always skipped. */
  ignorable?: boolean
}

interface CommonDef {
  readonly name: string
  readonly versions: VersionRange
  readonly nullableVersions: VersionRange
  readonly tag: number | undefined
  readonly taggedVersions: VersionRange
  readonly ignorable: boolean
  readonly default: DefaultValue | undefined
}

export interface ScalarFieldDef extends CommonDef {
  readonly kind: 'field'
  readonly type: PrimitiveType
}

export interface ArrayFieldDef extends CommonDef {
  readonly kind: 'array'
  /** Element type: a primitive or a struct given as its field list. */
  readonly items: PrimitiveType | readonly FieldDef[]
}

export interface StructFieldDef extends CommonDef {
  readonly kind: 'struct'
  readonly fields: readonly FieldDef[]
}

export type FieldDef = ScalarFieldDef | ArrayFieldDef | StructFieldDef

export interface MessageSchema {
  readonly name: string
  readonly apiKey: number
  readonly validVersions: VersionRange
  readonly flexibleVersions: VersionRange
  readonly fields: readonly FieldDef[]
}

export interface MessageOptions {
  name: string
  apiKey: number
  validVersions: string
  flexibleVersions: string
  fields: readonly FieldDef[]
}

/** The encode-side value of a 'records' field: a buffer, null, or file regions to sendfile. */
export type RecordsValue = Buffer | null | { regions: readonly FileRegion[]; bytes: number }

/** The record bytes a RecordsValue carries (0 for null). */
export function recordsBytes(v: RecordsValue): number {
  if (v === null) return 0
  return 'regions' in v ? v.bytes : v.length
}

function common(name: string, versions: string, opts: FieldOptions | undefined): CommonDef {
  if (opts?.tag !== undefined && opts.taggedVersions === undefined) {
    throw new Error(`field ${name}: tag needs taggedVersions`)
  }
  if (opts?.taggedVersions !== undefined && opts.tag === undefined) {
    throw new Error(`field ${name}: taggedVersions needs tag`)
  }
  return {
    name,
    versions: parseVersions(versions),
    nullableVersions:
      opts?.nullableVersions === undefined ? NO_VERSIONS : parseVersions(opts.nullableVersions),
    tag: opts?.tag,
    taggedVersions:
      opts?.taggedVersions === undefined ? NO_VERSIONS : parseVersions(opts.taggedVersions),
    ignorable: opts?.ignorable ?? false,
    default: opts?.default,
  }
}

export function field(
  name: string,
  type: PrimitiveType,
  versions: string,
  opts?: FieldOptions,
): ScalarFieldDef {
  if (type === 'records' && opts?.tag !== undefined) {
    throw new Error(`field ${name}: records cannot be tagged`)
  }
  return { kind: 'field', type, ...common(name, versions, opts) }
}

export function array(
  name: string,
  versions: string,
  fieldsOrType: PrimitiveType | readonly FieldDef[],
  opts?: FieldOptions,
): ArrayFieldDef {
  if (fieldsOrType === 'records') throw new Error(`array ${name}: arrays of records unsupported`)
  return { kind: 'array', items: fieldsOrType, ...common(name, versions, opts) }
}

export function struct(
  name: string,
  versions: string,
  fields: readonly FieldDef[],
  opts?: FieldOptions,
): StructFieldDef {
  return { kind: 'struct', fields, ...common(name, versions, opts) }
}

export function message(opts: MessageOptions): MessageSchema {
  const validVersions = parseVersions(opts.validVersions)
  if (validVersions.max === MAX_VERSION) {
    throw new Error(`message ${opts.name}: validVersions must be bounded`)
  }
  checkNames(opts.name, opts.fields)
  return {
    name: opts.name,
    apiKey: opts.apiKey,
    validVersions,
    flexibleVersions: parseVersions(opts.flexibleVersions),
    fields: opts.fields,
  }
}

function checkNames(where: string, fields: readonly FieldDef[]): void {
  const names = new Set<string>()
  const tags = new Set<number>()
  for (const f of fields) {
    if (names.has(f.name)) throw new Error(`${where}: duplicate field ${f.name}`)
    names.add(f.name)
    if (f.tag !== undefined) {
      if (tags.has(f.tag)) throw new Error(`${where}: duplicate tag ${f.tag}`)
      tags.add(f.tag)
    }
    if (f.kind === 'struct') checkNames(`${where}.${f.name}`, f.fields)
    if (f.kind === 'array' && typeof f.items !== 'string') checkNames(`${where}.${f.name}`, f.items)
  }
}
