// `samsa topics`: create, list, describe, alter and delete topics on any Kafka-compatible broker,
// with kafka-topics.sh's flags (`--create --topic t --partitions 3 --replication-factor 1
// --config k=v --bootstrap-server host:port`); the action may also be a word (`topics create`).

import { check, ClientError, RESOURCE_TOPIC } from '../../admin/client/client.js'
import type { AdminClient } from '../../admin/client/client.js'
import { alterReassignment, listReassignments } from '../../admin/client/reassignments.js'
import { splitKeyValue, UsageError } from '../args.js'
import type { ParsedArgs } from '../args.js'
import {
  CONNECTION_FLAGS,
  CONNECTION_HELP,
  noExtraArgs,
  pickAction,
  requireFlag,
  runCommand,
  stdio,
} from './common.js'
import type { Output } from './common.js'

const ACTIONS = ['create', 'list', 'describe', 'alter', 'delete', 'reassign'] as const
type Action = (typeof ACTIONS)[number]

export const TOPICS_USAGE =
  'samsa topics create|list|describe|alter|delete|reassign [--topic T] [options] [--bootstrap-server H:P]'

const HELP = `usage: ${TOPICS_USAGE}

  create   --topic T [--partitions N] [--replication-factor R] [--config K=V ...] [--if-not-exists]
  list     [--exclude-internal]
  describe [--topic T]           partitions, leaders and the topic's non-default configs
  alter    --topic T [--partitions N] [--config K=V ...] [--delete-config K ...]
  delete   --topic T [--if-exists]
  reassign --topic T --partition P --replicas B1,B2,...   move a partition's replicas (cluster)
  reassign --topic T --partition P --cancel               cancel a running reassignment
  reassign --list [--topic T]                             the reassignments in progress

The action may also be given as a flag, as with kafka-topics.sh: --create, --list, --describe,
--alter, --delete.

options:
${CONNECTION_HELP}`

const FLAGS = {
  ...CONNECTION_FLAGS,
  ...Object.fromEntries(ACTIONS.map((a) => [a, {}])),
  topic: { value: true, alias: ['-t'] },
  partitions: { value: true, alias: ['-p'] },
  'replication-factor': { value: true },
  config: { value: true, repeat: true },
  'delete-config': { value: true, repeat: true },
  'if-not-exists': {},
  'if-exists': {},
  'exclude-internal': {},
  partition: { value: true },
  replicas: { value: true },
  cancel: {},
}

function actionOf(a: ParsedArgs): Action {
  // `reassign --list` is the list of reassignments, not of topics.
  const actions =
    a.has('reassign') || a.positional[0] === 'reassign' ? (['reassign'] as const) : ACTIONS
  const action = pickAction(a, actions, 'create, list, describe, alter, delete or reassign')
  noExtraArgs(a, [action])
  return action
}

function needTopic(a: ParsedArgs): string {
  return requireFlag(a, 'topic')
}

async function create(c: AdminClient, a: ParsedArgs, io: Output): Promise<number> {
  const name = needTopic(a)
  const partitions = a.int('partitions') ?? -1
  const rf = a.int('replication-factor') ?? -1
  const configs = a.all('config').map((s) => splitKeyValue(s, '--config'))
  const res = await c.createTopics({
    topics: [
      {
        name,
        numPartitions: partitions,
        replicationFactor: rf,
        assignments: [],
        configs: configs.map(([k, v]) => ({ name: k, value: v })),
      },
    ],
  })
  const r = res.topics[0]
  if (r === undefined) throw new ClientError('CreateTopics returned no result')
  if (r.errorCode === 36 && a.has('if-not-exists')) return 0
  check(r.errorCode, `cannot create topic '${name}'`, r.errorMessage)
  io.out(`Created topic ${name}.\n`)
  return 0
}

async function list(c: AdminClient, a: ParsedArgs, io: Output): Promise<number> {
  const meta = await c.metadata(null)
  const names = meta.topics
    .filter((t) => !(a.has('exclude-internal') && t.isInternal))
    .map((t) => t.name)
    .sort()
  if (names.length > 0) io.out(names.join('\n') + '\n')
  return 0
}

async function describe(c: AdminClient, a: ParsedArgs, io: Output): Promise<number> {
  const name = a.get('topic')
  const meta = name === undefined ? await c.metadata(null) : { topics: [await c.topic(name)] }
  const topics = [...meta.topics].sort((x, y) => x.name.localeCompare(y.name))
  for (const t of topics) {
    check(t.errorCode, `topic '${t.name}'`)
    let configs: string
    try {
      const all = await c.describeConfigs(RESOURCE_TOPIC, t.name)
      configs = all
        .filter((e) => !e.isDefault && e.configSource === 1)
        .map((e) => `${e.name}=${e.value ?? ''}`)
        .join(',')
    } catch (err) {
      configs = `(unavailable: ${(err as Error).message})`
    }
    const rf = t.partitions[0]?.replicaNodes.length ?? 0
    io.out(
      `Topic: ${t.name}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${rf}\t` +
        `Configs: ${configs}\n`,
    )
    const parts = [...t.partitions].sort((x, y) => x.partitionIndex - y.partitionIndex)
    for (const p of parts)
      io.out(
        `\tTopic: ${t.name}\tPartition: ${p.partitionIndex}\tLeader: ${p.leaderId}\t` +
          `Replicas: ${p.replicaNodes.join(',')}\tIsr: ${p.isrNodes.join(',')}\n`,
      )
  }
  return 0
}

async function alter(c: AdminClient, a: ParsedArgs, io: Output): Promise<number> {
  const name = needTopic(a)
  const partitions = a.int('partitions')
  const set = a.all('config').map((s) => splitKeyValue(s, '--config'))
  const remove = a.all('delete-config')
  if (partitions === undefined && set.length === 0 && remove.length === 0)
    throw new UsageError('alter needs --partitions N, --config K=V or --delete-config K')
  if (partitions !== undefined) {
    const current = (await c.topic(name)).partitions.length
    if (partitions < current)
      throw new ClientError(
        `topic '${name}' has ${current} partitions; the count can only grow (Kafka cannot remove partitions)`,
      )
    if (partitions > current) {
      const res = await c.createPartitions(name, partitions)
      for (const r of res.results)
        check(r.errorCode, `cannot add partitions to '${name}'`, r.errorMessage)
      io.out(`Topic ${name} now has ${partitions} partitions.\n`)
    }
  }
  if (set.length > 0 || remove.length > 0) {
    await c.alterConfigs(RESOURCE_TOPIC, name, set, remove)
    io.out(`Updated configs of topic ${name}.\n`)
  }
  return 0
}

async function remove(c: AdminClient, a: ParsedArgs, io: Output): Promise<number> {
  const name = needTopic(a)
  const res = await c.deleteTopics([name])
  const r = res.responses[0]
  if (r === undefined) throw new ClientError('DeleteTopics returned no result')
  if (r.errorCode === 3) {
    if (a.has('if-exists')) return 0
    throw new ClientError(`topic '${name}' does not exist (list them with: samsa topics list)`)
  }
  check(r.errorCode, `cannot delete topic '${name}'`, r.errorMessage)
  io.out(`Deleted topic ${name}.\n`)
  return 0
}

function parseReplicas(text: string): number[] {
  const ids = text.split(',').map((x) => x.trim())
  if (ids.some((x) => !/^\d+$/.test(x)))
    throw new UsageError(`--replicas '${text}' is not a comma-separated list of broker ids`)
  return ids.map(Number)
}

async function reassign(c: AdminClient, a: ParsedArgs, io: Output): Promise<number> {
  if (a.has('list')) {
    const topic = a.get('topic')
    const all = await listReassignments(c)
    const shown = all.filter((r) => topic === undefined || r.topic === topic)
    for (const r of shown)
      io.out(
        `Topic: ${r.topic}\tPartition: ${r.partition}\tReplicas: ${r.replicas.join(',')}\t` +
          `Adding: ${r.addingReplicas.join(',')}\tRemoving: ${r.removingReplicas.join(',')}\n`,
      )
    if (shown.length === 0) io.out('No partition reassignments in progress.\n')
    return 0
  }
  const topic = needTopic(a)
  const partition = a.int('partition')
  if (partition === undefined) throw new UsageError('--partition is required')
  if (a.has('cancel')) {
    await alterReassignment(c, topic, partition, null)
    io.out(`Cancelled the reassignment of ${topic}-${partition}.\n`)
    return 0
  }
  const replicas = parseReplicas(requireFlag(a, 'replicas'))
  await alterReassignment(c, topic, partition, replicas)
  io.out(`Started the reassignment of ${topic}-${partition} to [${replicas.join(',')}].\n`)
  return 0
}

export function runTopics(args: string[], io: Output = stdio): Promise<number> {
  return runCommand(args, io, {
    flags: FLAGS,
    help: HELP,
    check: actionOf,
    run: async (c, a, action) => {
      switch (action) {
        case 'create':
          return await create(c, a, io)
        case 'list':
          return await list(c, a, io)
        case 'describe':
          return await describe(c, a, io)
        case 'alter':
          return await alter(c, a, io)
        case 'delete':
          return await remove(c, a, io)
        case 'reassign':
          return await reassign(c, a, io)
      }
    },
  })
}
