// The records of __consumer_offsets in Kafka's own formats (group-coordinator message JSONs), so a
// Kafka tool reading the topic understands them:
// - offset commit: key version 1 (group, topic, partition), value version 3 (offset, leader
//   epoch, metadata, commit timestamp);
// - group metadata: key version 2 (group), value version 3 (protocol type, generation, protocol,
//   leader, current state timestamp, members with instance id, client id/host, timeouts,
//   subscription, assignment).
// A null value (tombstone) deletes the key. Strings are int16-length, bytes int32-length (none of
// these versions is flexible). Older value versions are decoded too (Kafka wrote v1/v2 values).

import { Reader } from '../protocol/primitives/reader.js'

export const OFFSETS_TOPIC = '__consumer_offsets'

/** Java's String.hashCode over UTF-16 code units, as Kafka uses to place a group. */
export function javaStringHashCode(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0
  return h
}

/** Kafka's Utils.abs (Integer.MIN_VALUE maps to 0) of the hash, modulo the partition count. */
export function partitionForGroup(groupId: string, partitions: number): number {
  const h = javaStringHashCode(groupId)
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions
}

export interface OffsetKey {
  kind: 'offset'
  group: string
  topic: string
  partition: number
}
export interface GroupKey {
  kind: 'group'
  group: string
}
export type RecordKey = OffsetKey | GroupKey

export interface StoredOffset {
  offset: number
  leaderEpoch: number
  metadata: string
  commitTimestamp: number
}

export interface StoredMember {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  rebalanceTimeoutMs: number
  sessionTimeoutMs: number
  subscription: Buffer
  assignment: Buffer
}

export interface StoredGroup {
  protocolType: string
  generation: number
  protocol: string | null
  leader: string | null
  currentStateTimestamp: number
  members: StoredMember[]
}

/** A small growable big-endian encoder for these records (not a hot path). */
class Enc {
  private buf = Buffer.allocUnsafe(256)
  private pos = 0
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }
  int16(v: number): this {
    this.ensure(2)
    this.pos = this.buf.writeInt16BE(v, this.pos)
    return this
  }
  int32(v: number): this {
    this.ensure(4)
    this.pos = this.buf.writeInt32BE(v, this.pos)
    return this
  }
  int64(v: number): this {
    this.ensure(8)
    this.pos = this.buf.writeBigInt64BE(BigInt(v), this.pos)
    return this
  }
  string(s: string | null): this {
    if (s === null) return this.int16(-1)
    const len = Buffer.byteLength(s, 'utf8')
    this.int16(len)
    this.ensure(len)
    this.pos += this.buf.write(s, this.pos, 'utf8')
    return this
  }
  bytes(b: Buffer): this {
    this.int32(b.length)
    this.ensure(b.length)
    this.pos += b.copy(this.buf, this.pos)
    return this
  }
  done(): Buffer {
    return this.buf.subarray(0, this.pos)
  }
}

export function encodeOffsetKey(group: string, topic: string, partition: number): Buffer {
  return new Enc().int16(1).string(group).string(topic).int32(partition).done()
}

export function encodeGroupKey(group: string): Buffer {
  return new Enc().int16(2).string(group).done()
}

export function encodeOffsetValue(v: StoredOffset): Buffer {
  return new Enc()
    .int16(3)
    .int64(v.offset)
    .int32(v.leaderEpoch)
    .string(v.metadata)
    .int64(v.commitTimestamp)
    .done()
}

export function encodeGroupValue(g: StoredGroup): Buffer {
  const e = new Enc()
    .int16(3)
    .string(g.protocolType)
    .int32(g.generation)
    .string(g.protocol)
    .string(g.leader)
    .int64(g.currentStateTimestamp)
    .int32(g.members.length)
  for (const m of g.members) {
    e.string(m.memberId)
      .string(m.groupInstanceId)
      .string(m.clientId)
      .string(m.clientHost)
      .int32(m.rebalanceTimeoutMs)
      .int32(m.sessionTimeoutMs)
      .bytes(m.subscription)
      .bytes(m.assignment)
  }
  return e.done()
}

/** null for a key version this broker does not know (skipped on load). */
export function decodeKey(buf: Buffer): RecordKey | null {
  const r = new Reader(buf)
  const version = r.int16()
  if (version === 0 || version === 1) {
    return { kind: 'offset', group: r.string(), topic: r.string(), partition: r.int32() }
  }
  if (version === 2) return { kind: 'group', group: r.string() }
  return null
}

export function decodeOffsetValue(buf: Buffer): StoredOffset {
  const r = new Reader(buf)
  const version = r.int16()
  if (version < 0 || version > 3) throw new Error(`offset commit value version ${version}`)
  const offset = r.int64()
  const leaderEpoch = version >= 3 ? r.int32() : -1
  const metadata = r.string()
  const commitTimestamp = r.int64()
  if (version === 1) r.int64() // expire timestamp: retention is the broker's setting here
  return { offset, leaderEpoch, metadata, commitTimestamp }
}

export function decodeGroupValue(buf: Buffer): StoredGroup {
  const r = new Reader(buf)
  const version = r.int16()
  if (version < 0 || version > 3) throw new Error(`group metadata value version ${version}`)
  const protocolType = r.string()
  const generation = r.int32()
  const protocol = r.nullableString()
  const leader = r.nullableString()
  const currentStateTimestamp = version >= 2 ? r.int64() : -1
  const count = r.arrayLength(4)
  if (count < 0) throw new Error('group metadata value: null members')
  const members: StoredMember[] = []
  for (let i = 0; i < count; i++) {
    const memberId = r.string()
    const groupInstanceId = version >= 3 ? r.nullableString() : null
    const clientId = r.string()
    const clientHost = r.string()
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1
    const sessionTimeoutMs = r.int32()
    const subscription = Buffer.from(r.bytes())
    const assignment = Buffer.from(r.bytes())
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      rebalanceTimeoutMs: rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs,
      sessionTimeoutMs,
      subscription,
      assignment,
    })
  }
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members }
}
