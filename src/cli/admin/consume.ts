// `samsa consume`: prints a topic's records, for quick manual use (kafka-console-consumer's
// flags: --topic, --from-beginning, --partition, --offset, --max-messages). Without a group:
// it reads partitions directly from their leaders and commits nothing. Output is a template
// (--format '{key}={value} @{offset}') or one JSON object per record (--format json).

import { ClientError, EARLIEST, LATEST } from '../../admin/client/client.js'
import type { AdminClient } from '../../admin/client/client.js'
import type { KafkaConnection } from '../../admin/client/connection.js'
import { decodeRecordBatches, nextOffsetAfter } from '../../admin/client/records.js'
import type { ConsumedRecord } from '../../admin/client/records.js'
import { UsageError } from '../args.js'
import type { ParsedArgs } from '../args.js'
import {
  CONNECTION_FLAGS,
  CONNECTION_HELP,
  noExtraArgs,
  requireFlag,
  runCommand,
  stdio,
} from './common.js'
import type { Output } from './common.js'

export const CONSUME_USAGE =
  'samsa consume --topic T [--from-beginning | --offset O|earliest|latest] [--partition P]\n' +
  '              [--max-messages N] [--idle-timeout-ms MS] [--format TEMPLATE|json]'

const HELP = `usage: ${CONSUME_USAGE}

options:
  --topic, -t T          topic to read
  --partition, -p P      only this partition (default: all)
  --from-beginning       start at the earliest offset (default: only new records)
  --offset O             start at offset O (or earliest / latest); needs --partition
  --max-messages N       stop after N records
  --idle-timeout-ms MS   stop when nothing arrived for MS (default: run until Ctrl-C)
  --format F             json, or a template with {topic} {partition} {offset} {timestamp}
                         {key} {value} {headers}; default '{value}'
${CONNECTION_HELP}`

const FLAGS = {
  ...CONNECTION_FLAGS,
  topic: { value: true, alias: ['-t'] },
  partition: { value: true, alias: ['-p'] },
  'from-beginning': {},
  offset: { value: true },
  'max-messages': { value: true },
  'idle-timeout-ms': { value: true },
  format: { value: true },
}

function text(b: Buffer | null): string | null {
  return b === null ? null : b.toString('utf8')
}

export function formatRecord(
  topic: string,
  partition: number,
  r: ConsumedRecord,
  format: string,
): string {
  if (format === 'json')
    return JSON.stringify({
      topic,
      partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: text(r.key),
      value: text(r.value),
      headers: Object.fromEntries(r.headers.map((h) => [h.key, text(h.value)])),
    })
  return format.replace(
    /\{(topic|partition|offset|timestamp|key|value|headers)\}/g,
    (_, f: string) => {
      switch (f) {
        case 'topic':
          return topic
        case 'partition':
          return String(partition)
        case 'offset':
          return String(r.offset)
        case 'timestamp':
          return String(r.timestamp)
        case 'key':
          return text(r.key) ?? 'null'
        case 'value':
          return text(r.value) ?? 'null'
        default:
          return r.headers.map((h) => `${h.key}=${text(h.value) ?? 'null'}`).join(',')
      }
    },
  )
}

interface Position {
  partition: number
  offset: number
  conn: KafkaConnection
}

async function startPositions(c: AdminClient, topic: string, a: ParsedArgs): Promise<Position[]> {
  const t = await c.topic(topic)
  const only = a.int('partition')
  const all = t.partitions.map((p) => p.partitionIndex).sort((x, y) => x - y)
  if (only !== undefined && !all.includes(only))
    throw new UsageError(`--partition ${only}: topic '${topic}' has partitions 0-${all.length - 1}`)
  const parts = only === undefined ? all : [only]
  const offsetFlag = a.get('offset')
  let explicit: number | null = null
  let spec = a.has('from-beginning') ? EARLIEST : LATEST
  if (offsetFlag !== undefined) {
    if (offsetFlag === 'earliest') spec = EARLIEST
    else if (offsetFlag === 'latest') spec = LATEST
    else if (/^\d+$/.test(offsetFlag)) {
      if (only === undefined) throw new UsageError('--offset N needs --partition P')
      explicit = Number(offsetFlag)
    } else throw new UsageError(`--offset '${offsetFlag}' is not a number, earliest or latest`)
  }
  const starts = explicit === null ? await c.listOffsets(topic, parts, spec) : null
  const out: Position[] = []
  for (const p of parts) {
    const offset = explicit ?? starts?.get(p)
    if (offset === undefined) throw new ClientError(`no start offset for ${topic}-${p}`)
    out.push({ partition: p, offset, conn: await c.leaderOf(topic, p) })
  }
  return out
}

async function consume(c: AdminClient, a: ParsedArgs, io: Output): Promise<number> {
  const topic = requireFlag(a, 'topic')
  const max = a.int('max-messages') ?? Infinity
  const idle = a.int('idle-timeout-ms') ?? Infinity
  const format = a.get('format') ?? '{value}'
  const positions = await startPositions(c, topic, a)
  let stop = false
  const onSigint = (): void => {
    stop = true
  }
  process.once('SIGINT', onSigint)
  let count = 0
  let lastData = Date.now()
  try {
    while (!stop && count < max) {
      let got = 0
      for (const pos of positions) {
        if (count >= max) break
        // Long-poll only when one partition is read, so others are not held up.
        const p = await c.fetch(pos.conn, topic, pos.partition, pos.offset, {
          maxWaitMs: positions.length === 1 ? 500 : 100,
        })
        let lines = ''
        for (const r of await decodeRecordBatches(p.records)) {
          // A fetch returns whole batches, so records before the asked offset may come back.
          if (r.offset < pos.offset) continue
          if (count >= max) break
          lines += formatRecord(topic, pos.partition, r, format) + '\n'
          pos.offset = r.offset + 1
          count++
          got++
        }
        if (lines !== '') io.out(lines)
        // Batches with nothing to print (control markers) still move the position on.
        const next = nextOffsetAfter(p.records)
        if (count < max && next !== null && next > pos.offset) pos.offset = next
      }
      if (got > 0) lastData = Date.now()
      else if (Date.now() - lastData >= idle) break
    }
  } finally {
    process.off('SIGINT', onSigint)
  }
  io.err(`Processed a total of ${count} messages\n`)
  return 0
}

export function runConsume(args: string[], io: Output = stdio): Promise<number> {
  return runCommand(args, io, {
    flags: FLAGS,
    help: HELP,
    check: (a) => noExtraArgs(a),
    run: (c, a) => consume(c, a, io),
  })
}
