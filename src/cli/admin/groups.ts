// `samsa groups`: list, describe, delete consumer groups and reset their offsets, with the flags
// of kafka-consumer-groups.sh (--group, --topic, --to-earliest/--to-latest/--to-offset, and
// --execute: a reset only prints its plan unless --execute is given).

import { ClientError, EARLIEST, LATEST } from '../../admin/client/client.js'
import type { AdminClient } from '../../admin/client/client.js'
import {
  commitOffsets,
  deleteGroup,
  describeGroup,
  fetchOffsets,
  listGroups,
} from '../../admin/client/groups.js'
import type { CommittedOffset } from '../../admin/client/groups.js'
import { UsageError } from '../args.js'
import type { ParsedArgs } from '../args.js'
import {
  CONNECTION_FLAGS,
  CONNECTION_HELP,
  pickAction,
  requireFlag,
  runCommand,
  stdio,
  table,
} from './common.js'
import type { Output } from './common.js'

const ACTIONS = ['list', 'describe', 'delete', 'reset-offsets'] as const

export const GROUPS_USAGE =
  'samsa groups list|describe|delete|reset-offsets [--group G] [options] [--bootstrap-server H:P]'

const HELP = `usage: ${GROUPS_USAGE}

  list
  describe      --group G     state, members, and per partition: committed offset, end, lag
  delete        --group G     the group must have no members
  reset-offsets --group G --topic T[:P] (--to-earliest | --to-latest | --to-offset N) [--execute]
                without --execute only the plan is printed; the group must have no members

options:
${CONNECTION_HELP}`

const FLAGS = {
  ...CONNECTION_FLAGS,
  ...Object.fromEntries(ACTIONS.map((a) => [a, {}])),
  group: { value: true, alias: ['-g'] },
  topic: { value: true, alias: ['-t'] },
  'to-earliest': {},
  'to-latest': {},
  'to-offset': { value: true },
  execute: {},
}

function needGroup(a: ParsedArgs): string {
  return requireFlag(a, 'group')
}

async function endOffsets(
  c: AdminClient,
  offsets: readonly CommittedOffset[],
): Promise<Map<string, number>> {
  const byTopic = new Map<string, number[]>()
  for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o.partition])
  const out = new Map<string, number>()
  for (const [topic, parts] of byTopic) {
    try {
      for (const [p, off] of await c.listOffsets(topic, parts, LATEST))
        out.set(`${topic}:${p}`, off)
    } catch {
      // a deleted topic: no end offset, lag shown as '-'
    }
  }
  return out
}

async function describe(c: AdminClient, a: ParsedArgs, io: Output): Promise<number> {
  const groupId = needGroup(a)
  const g = await describeGroup(c, groupId)
  if (g.groupState === 'Dead')
    throw new ClientError(`group '${groupId}' does not exist (list them with: samsa groups list)`)
  io.out(
    `Group ${groupId}: state ${g.groupState}, protocol ${g.protocolData || '-'}, ${g.members.length} members\n`,
  )
  if (g.members.length > 0)
    io.out(
      table([
        ['MEMBER-ID', 'CLIENT-ID', 'HOST'],
        ...g.members.map((m) => [m.memberId, m.clientId, m.clientHost]),
      ]),
    )
  const offsets = await fetchOffsets(c, groupId)
  if (offsets.length > 0) {
    const ends = await endOffsets(c, offsets)
    io.out(
      '\n' +
        table([
          ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG'],
          ...offsets.map((o) => {
            const end = ends.get(`${o.topic}:${o.partition}`)
            return [
              o.topic,
              String(o.partition),
              String(o.offset),
              end === undefined ? '-' : String(end),
              end === undefined ? '-' : String(Math.max(0, end - o.offset)),
            ]
          }),
        ]),
    )
  }
  return 0
}

async function resetOffsets(c: AdminClient, a: ParsedArgs, io: Output): Promise<number> {
  const groupId = needGroup(a)
  const topicArg = a.get('topic')
  if (topicArg === undefined) throw new UsageError('--topic T or T:P is required')
  const [topic, partArg] = topicArg.split(':') as [string, string | undefined]
  const modes = ['to-earliest', 'to-latest', 'to-offset'].filter((m) => a.has(m))
  if (modes.length !== 1)
    throw new UsageError('give one of --to-earliest, --to-latest, --to-offset N')
  const t = await c.topic(topic)
  const parts =
    partArg === undefined
      ? t.partitions.map((p) => p.partitionIndex).sort((x, y) => x - y)
      : partArg.split(',').map(Number)
  let target: Map<number, number>
  if (a.has('to-offset')) {
    const n = a.int('to-offset') as number
    const [lo, hi] = await Promise.all([
      c.listOffsets(topic, parts, EARLIEST),
      c.listOffsets(topic, parts, LATEST),
    ])
    // Kafka clamps a target outside the log to its nearest end.
    target = new Map(parts.map((p) => [p, Math.min(Math.max(n, lo.get(p) ?? 0), hi.get(p) ?? n)]))
  } else target = await c.listOffsets(topic, parts, a.has('to-earliest') ? EARLIEST : LATEST)
  const plan = parts.map((p) => ({
    topic,
    partition: p,
    offset: target.get(p) ?? 0,
    metadata: null,
  }))
  io.out(
    table([
      ['TOPIC', 'PARTITION', 'NEW-OFFSET'],
      ...plan.map((o) => [o.topic, String(o.partition), String(o.offset)]),
    ]),
  )
  if (!a.has('execute')) {
    io.err('Dry run: nothing changed. Add --execute to commit these offsets.\n')
    return 0
  }
  await commitOffsets(c, groupId, plan)
  io.err(`Reset offsets of group ${groupId}.\n`)
  return 0
}

export function runGroups(args: string[], io: Output = stdio): Promise<number> {
  return runCommand(args, io, {
    flags: FLAGS,
    help: HELP,
    check: (a) => pickAction(a, ACTIONS, 'list, describe, delete or reset-offsets'),
    run: async (c, a, action) => {
      switch (action) {
        case 'list': {
          const groups = await listGroups(c)
          if (groups.length > 0)
            io.out(
              table([
                ['GROUP', 'STATE', 'PROTOCOL-TYPE'],
                ...groups.map((g) => [g.groupId, g.groupState || '-', g.protocolType || '-']),
              ]),
            )
          return 0
        }
        case 'describe':
          return await describe(c, a, io)
        case 'delete': {
          const groupId = needGroup(a)
          await deleteGroup(c, groupId)
          io.out(`Deleted group ${groupId}.\n`)
          return 0
        }
        case 'reset-offsets':
          return await resetOffsets(c, a, io)
      }
    },
  })
}
