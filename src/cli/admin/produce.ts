// `samsa produce`: one record per input line (stdin or --file) to a topic, for quick manual use.
// Keys with --key-separator, headers with --header k=v (every record) or per line with
// --format json ({"key":..,"value":..,"headers":{..},"partition":..}). Partitions are chosen like
// Kafka's default partitioner (murmur2 of the key; keyless records go round-robin per batch).
// Records are sent in batches (--batch-size); a progress bar shows on a terminal for --file.

import { createReadStream, statSync } from 'node:fs'
import readline from 'node:readline'
import { ClientError } from '../../admin/client/client.js'
import type { AdminClient } from '../../admin/client/client.js'
import { buildRecordBatch } from '../../log/batch-builder.js'
import type { BuildRecord } from '../../log/batch-builder.js'
import { splitKeyValue, UsageError } from '../args.js'
import type { ParsedArgs } from '../args.js'
import {
  CONNECTION_FLAGS,
  CONNECTION_HELP,
  noExtraArgs,
  requireFlag,
  runCommand,
  Progress,
  stdio,
} from './common.js'
import type { Output } from './common.js'

export const PRODUCE_USAGE =
  'samsa produce --topic T [--partition P] [--key-separator SEP] [--header K=V ...]\n' +
  '              [--format text|json] [--file F] [--batch-size N] [--acks -1|0|1]'

const HELP = `usage: ${PRODUCE_USAGE}

Sends each line of stdin (or --file) as one record.

options:
  --topic, -t T          topic to write to (must exist unless the broker auto-creates topics)
  --partition, -p P      always this partition (default: murmur2 of the key, like Kafka)
  --key-separator SEP    split each line at the first SEP into key and value
  --header K=V           add this header to every record (repeatable)
  --format text|json     json: each line is {"key","value","headers":{K:V},"partition"}
  --file F               read from F instead of stdin (shows progress on a terminal)
  --batch-size N         records per produce request (default 500)
  --acks N               -1 (all, default), 1 or 0
${CONNECTION_HELP}`

const FLAGS = {
  ...CONNECTION_FLAGS,
  topic: { value: true, alias: ['-t'] },
  partition: { value: true, alias: ['-p'] },
  'key-separator': { value: true },
  header: { value: true, repeat: true },
  format: { value: true },
  file: { value: true, alias: ['-f'] },
  'batch-size': { value: true },
  acks: { value: true },
}

const MAX_BATCH_BYTES = 512 * 1024

/** Kafka's murmur2 (the Java client's Utils.murmur2), 32-bit. */
export function murmur2(data: Buffer): number {
  const m = 0x5bd1e995
  let h = 0x9747b28c ^ data.length
  const n4 = data.length & ~3
  for (let i = 0; i < n4; i += 4) {
    let k = data.readInt32LE(i)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m) ^ k
  }
  const rest = data.length & 3
  if (rest === 3) h ^= (data[n4 + 2] as number) << 16
  if (rest >= 2) h ^= (data[n4 + 1] as number) << 8
  if (rest >= 1) {
    h ^= data[n4] as number
    h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}

interface Parsed {
  record: BuildRecord
  partition: number | null
}

function parseLine(line: string, a: ParsedArgs, headers: BuildRecord['headers']): Parsed {
  if (a.get('format') === 'json') {
    let o: unknown
    try {
      o = JSON.parse(line)
    } catch {
      throw new UsageError(`--format json: not a JSON object: ${line.slice(0, 80)}`)
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o))
      throw new UsageError(`--format json: not a JSON object: ${line.slice(0, 80)}`)
    const r = o as Record<string, unknown>
    const str = (v: unknown): Buffer | null =>
      v === null || v === undefined
        ? null
        : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8')
    const hs = [...(headers ?? [])]
    if (r.headers !== undefined && r.headers !== null && typeof r.headers === 'object')
      for (const [k, v] of Object.entries(r.headers as Record<string, unknown>))
        hs.push({ key: k, value: str(v) })
    return {
      record: { key: str(r.key), value: str(r.value), headers: hs },
      partition: typeof r.partition === 'number' ? r.partition : null,
    }
  }
  const sep = a.get('key-separator')
  if (sep !== undefined) {
    const i = line.indexOf(sep)
    if (i < 0) throw new UsageError(`line has no key separator '${sep}': ${line.slice(0, 80)}`)
    return {
      record: {
        key: Buffer.from(line.slice(0, i), 'utf8'),
        value: Buffer.from(line.slice(i + sep.length), 'utf8'),
        headers,
      },
      partition: null,
    }
  }
  return { record: { key: null, value: Buffer.from(line, 'utf8'), headers }, partition: null }
}

async function produceLines(c: AdminClient, a: ParsedArgs, io: Output): Promise<number> {
  const topic = requireFlag(a, 'topic')
  const fixed = a.int('partition')
  const batchSize = a.int('batch-size') ?? 500
  const acks = a.int('acks') ?? -1
  if (batchSize < 1) throw new UsageError('--batch-size must be at least 1')
  const format = a.get('format') ?? 'text'
  if (format !== 'text' && format !== 'json') throw new UsageError('--format is text or json')
  const headers = a.all('header').map((h) => {
    const [key, value] = splitKeyValue(h, '--header')
    return { key, value: Buffer.from(value, 'utf8') }
  })
  const meta = await c.metadata([topic], true)
  const t = meta.topics.find((x) => x.name === topic)
  if (t === undefined || t.errorCode !== 0 || t.partitions.length === 0)
    throw new ClientError(
      `topic '${topic}' does not exist; create it with: samsa topics create --topic ${topic}`,
    )
  const count = t.partitions.length
  if (fixed !== undefined && (fixed < 0 || fixed >= count))
    throw new UsageError(`--partition ${fixed}: topic '${topic}' has partitions 0-${count - 1}`)

  const file = a.get('file')
  const input = file === undefined ? process.stdin : createReadStream(file)
  const total = file === undefined ? 0 : statSync(file).size
  const progress = new Progress(io, `producing ${file ?? ''}`, total)
  const pending = new Map<number, { records: BuildRecord[]; bytes: number }>()
  let roundRobin = 0
  let sent = 0
  let read = 0
  const flush = async (p: number): Promise<void> => {
    const b = pending.get(p)
    if (b === undefined || b.records.length === 0) return
    pending.delete(p)
    await c.produce(topic, p, buildRecordBatch({ records: b.records }), acks)
    sent += b.records.length
  }
  const rl = readline.createInterface({ input, crlfDelay: Infinity })
  for await (const line of rl) {
    read += Buffer.byteLength(line) + 1
    if (line === '' && format === 'json') continue
    const { record, partition } = parseLine(line, a, headers)
    let p = fixed ?? partition
    if (p === null)
      p =
        record.key === null || record.key === undefined
          ? roundRobin
          : (murmur2(record.key) & 0x7fffffff) % count
    if (p < 0 || p >= count) throw new UsageError(`partition ${p} out of range 0-${count - 1}`)
    const b = pending.get(p) ?? { records: [], bytes: 0 }
    b.records.push(record)
    b.bytes += (record.value?.length ?? 0) + (record.key?.length ?? 0)
    pending.set(p, b)
    if (b.records.length >= batchSize || b.bytes >= MAX_BATCH_BYTES) {
      await flush(p)
      // keyless records stick to one partition per batch, as Kafka's sticky partitioner does
      roundRobin = (roundRobin + 1) % count
      progress.update(read, `${sent} records`)
    }
  }
  for (const p of [...pending.keys()]) await flush(p)
  progress.update(total, `${sent} records`)
  progress.done()
  io.err(`Produced ${sent} records to ${topic}.\n`)
  return 0
}

export function runProduce(args: string[], io: Output = stdio): Promise<number> {
  return runCommand(args, io, {
    flags: FLAGS,
    help: HELP,
    check: (a) => noExtraArgs(a),
    run: (c, a) => produceLines(c, a, io),
  })
}
