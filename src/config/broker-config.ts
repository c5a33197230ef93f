// BrokerConfig: the typed view of the broker's properties after merging, lowest to highest
// precedence, Kafka's defaults < server.properties < SAMSA_* environment < `--set key=value`.
// Malformed values stop start-up with an error naming the key; unknown keys become warnings.

import { readFileSync } from 'node:fs'
import { DEFAULT_LOG_CONFIG } from '../log/log-config.js'
import type { LogConfig } from '../log/log-config.js'
import { ConfigError } from './config-error.js'
import { listenerProtocols, sslSettings } from './listener-security.js'
import type { SecurityProtocol, SslSettings } from './listener-security.js'
import { parseProperties } from './properties.js'
import {
  KEY_ALIASES,
  KEY_DEF_BY_NAME,
  KEY_DEFS,
  MS_PER_HOUR,
  NO_EFFECT_KEYS,
  envNameOf,
} from './keys.js'
import type { KeyDef } from './keys.js'

export interface ListenerAddress {
  /** Listener name, e.g. PLAINTEXT. */
  readonly name: string
  /** '' or '0.0.0.0' = all interfaces. */
  readonly host: string
  /** 0 = any free port. */
  readonly port: number
}

export type ConfigSource = 'default' | 'file' | 'env' | 'cli'

export interface BrokerConfig {
  readonly listeners: readonly ListenerAddress[]
  /** advertised.listeners, else listeners. */
  readonly advertisedListeners: readonly ListenerAddress[]
  /** The protocol each listener name speaks (listener.security.protocol.map). */
  readonly listenerProtocols: ReadonlyMap<string, SecurityProtocol>
  /** ssl.* settings; null unless a listener speaks SSL. */
  readonly ssl: SslSettings | null
  readonly logDirs: readonly string[]
  readonly nodeId: number
  /** Configured cluster.id, or null: then meta.properties holds (or gets) a generated one. */
  readonly clusterId: string | null
  readonly numPartitions: number
  readonly defaultReplicationFactor: number
  readonly logRetentionCheckIntervalMs: number
  readonly logFlushOffsetCheckpointIntervalMs: number
  readonly autoCreateTopicsEnable: boolean
  readonly deleteTopicEnable: boolean
  readonly messageMaxBytes: number
  readonly socketRequestMaxBytes: number
  /** -1 = never. */
  readonly connectionsMaxIdleMs: number
  /** -1 = built-in bound. */
  readonly queuedMaxRequestBytes: number
  readonly groupInitialRebalanceDelayMs: number
  readonly groupMinSessionTimeoutMs: number
  readonly groupMaxSessionTimeoutMs: number
  readonly offsetsTopicNumPartitions: number
  readonly offsetsRetentionMinutes: number
  /** '' = leave the kernel default. */
  readonly tcpCongestion: string
  readonly logCleanerEnable: boolean
  readonly numRecoveryThreadsPerDataDir: number
  /** Incremental fetch sessions kept (KIP-227); 0 = none, every fetch is a full fetch. */
  readonly maxIncrementalFetchSessionCacheSlots: number
  /** Samsa: deleted segment files kept per log dir for reuse (see SegmentPool). */
  readonly logSegmentRecycleBytes: number
  /** Recently appended (page-cached) region runs up to this size are sent on the event loop; 0: never. */
  readonly sendfileInlineBytes: number
  readonly logCleanerBackoffMs: number
  /** metadata.store: the etcd URL in cluster mode, null on a single node. */
  readonly metadataStore: string | null
  readonly brokerRack: string | null
  readonly brokerSessionTimeoutMs: number
  readonly replicaLagTimeMaxMs: number
  readonly offsetsTopicReplicationFactor: number
  readonly autoLeaderRebalanceEnable: boolean
  readonly leaderImbalanceCheckIntervalMs: number
  /** Broker-level log.* settings mapped onto the LogConfig every new log starts from. */
  readonly logDefaults: LogConfig
  /** Effective property strings for every known key that has a value (DescribeConfigs). */
  readonly values: ReadonlyMap<string, string>
  /** Where each effective value came from. */
  readonly sources: ReadonlyMap<string, ConfigSource>
  /** Where loadBrokerConfig read it from, so SIGHUP can read it again (src/config/reload.ts). */
  readonly origin?: ConfigOrigin
}

export interface ConfigOrigin {
  readonly file?: string
  readonly fileText?: string
  readonly overrides?: ReadonlyArray<readonly [string, string]>
  readonly env?: Readonly<Record<string, string | undefined>>
}

export { ConfigError }

export interface LoadConfigOptions {
  /** Path of a server.properties file. */
  file?: string
  /** Text of a properties file (instead of `file`; tests). */
  fileText?: string
  /** `--set key=value` overrides, in order. */
  overrides?: ReadonlyArray<readonly [string, string]>
  /** Environment to read SAMSA_* from; default process.env. Pass {} to ignore it. */
  env?: Readonly<Record<string, string | undefined>>
}

export interface LoadedConfig {
  config: BrokerConfig
  /** One line per unknown or ineffective key. */
  warnings: string[]
}

export function loadBrokerConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const warnings: string[] = []
  const raw = new Map<string, string>()
  const sources = new Map<string, ConfigSource>()
  const put = (key: string, value: string, source: ConfigSource, where: string): void => {
    const name = KEY_ALIASES[key] ?? key
    if (!KEY_DEF_BY_NAME.has(name)) {
      warnings.push(
        NO_EFFECT_KEYS.has(name)
          ? `config ${key} (${where}) has no effect in samsa; ignored`
          : `config ${key} (${where}) is not a known key; ignored`,
      )
      return
    }
    raw.set(name, value)
    sources.set(name, source)
  }

  let text = options.fileText
  if (text === undefined && options.file !== undefined) {
    try {
      text = readFileSync(options.file, 'utf8')
    } catch (err) {
      throw new ConfigError('--config', `cannot read ${options.file}: ${(err as Error).message}`)
    }
  }
  if (text !== undefined) {
    const where = options.file ?? 'properties'
    for (const e of parseProperties(text)) put(e.key, e.value.trim(), 'file', `${where}:${e.line}`)
  }
  const env = options.env ?? process.env
  for (const def of KEY_DEFS) {
    const v = env[envNameOf(def.key)]
    if (v !== undefined) put(def.key, v.trim(), 'env', envNameOf(def.key))
  }
  for (const alias of Object.keys(KEY_ALIASES)) {
    const v = env[envNameOf(alias)]
    if (v !== undefined && !raw.has(KEY_ALIASES[alias] ?? ''))
      put(alias, v.trim(), 'env', envNameOf(alias))
  }
  for (const [k, v] of options.overrides ?? []) put(k.trim(), v.trim(), 'cli', '--set')

  const origin: ConfigOrigin = {
    file: options.file,
    fileText: options.file === undefined ? options.fileText : undefined,
    overrides: options.overrides,
    env: options.env,
  }
  return { config: { ...buildConfig(raw, sources), origin }, warnings }
}

/** Parses `key=value` of a `--set` argument. */
export function parseOverride(arg: string): [string, string] {
  const eq = arg.indexOf('=')
  if (eq <= 0) throw new ConfigError(arg, 'expected --set key=value')
  return [arg.slice(0, eq).trim(), arg.slice(eq + 1)]
}

function buildConfig(raw: Map<string, string>, sourcesIn: Map<string, ConfigSource>): BrokerConfig {
  const values = new Map<string, string>()
  const sources = new Map<string, ConfigSource>()
  for (const def of KEY_DEFS) {
    const v = raw.get(def.key) ?? def.default
    if (v === null) continue
    validate(def, v)
    values.set(def.key, v)
    sources.set(def.key, sourcesIn.get(def.key) ?? 'default')
  }
  const str = (k: string): string | undefined => values.get(k)
  const num = (k: string): number | undefined => {
    const v = values.get(k)
    return v === undefined ? undefined : toNumber(v)
  }
  const int = (k: string): number => {
    const n = num(k)
    if (n === undefined) throw new ConfigError(k, 'has no value')
    return n
  }
  const bool = (k: string): boolean => values.get(k) === 'true'
  const isSet = (k: string): boolean => sources.has(k) && sources.get(k) !== 'default'

  const listeners = parseListeners('listeners', str('listeners') ?? '')
  if (listeners.length === 0) throw new ConfigError('listeners', 'needs at least one listener')
  const advertisedText = str('advertised.listeners')
  const advertisedListeners =
    advertisedText === undefined
      ? listeners
      : parseListeners('advertised.listeners', advertisedText)
  const protocols = listenerProtocols(
    listeners,
    splitList(str('listener.security.protocol.map') ?? ''),
  )
  for (const a of advertisedListeners)
    if (!protocols.has(a.name))
      throw new ConfigError('advertised.listeners', `${a.name} is not a name in listeners`)
  const ssl = sslSettings(str, [...protocols.values()].includes('SSL'))
  const interBroker = advertisedListeners[0]
  if (
    (str('metadata.store') ?? '') !== '' &&
    interBroker !== undefined &&
    protocols.get(interBroker.name) !== 'PLAINTEXT'
  )
    throw new ConfigError(
      'advertised.listeners',
      `brokers replicate over the first advertised listener (${interBroker.name}), which must ` +
        'be PLAINTEXT: inter-broker TLS is not implemented',
    )
  const logDirs = splitList(str('log.dirs') ?? str('log.dir') ?? './data')
  if (logDirs.length === 0) throw new ConfigError('log.dirs', 'needs at least one directory')

  const logDefaults: LogConfig = { ...DEFAULT_LOG_CONFIG }
  if (isSet('log.segment.bytes')) logDefaults.segmentBytes = int('log.segment.bytes')
  const rollMs = num('log.roll.ms') ?? num('log.segment.ms')
  if (rollMs !== undefined) logDefaults.segmentMs = rollMs
  else if (isSet('log.roll.hours')) logDefaults.segmentMs = int('log.roll.hours') * MS_PER_HOUR
  const retentionMs =
    num('log.retention.ms') ??
    (isSet('log.retention.minutes')
      ? retentionUnit(int('log.retention.minutes'), 60_000)
      : undefined) ??
    (isSet('log.retention.hours')
      ? retentionUnit(int('log.retention.hours'), MS_PER_HOUR)
      : undefined)
  if (retentionMs !== undefined) logDefaults.retentionMs = retentionMs
  if (isSet('log.retention.bytes')) logDefaults.retentionBytes = int('log.retention.bytes')
  if (isSet('log.index.size.max.bytes'))
    logDefaults.segmentIndexBytes = int('log.index.size.max.bytes')
  if (isSet('log.index.interval.bytes'))
    logDefaults.indexIntervalBytes = int('log.index.interval.bytes')
  if (isSet('log.flush.interval.messages'))
    logDefaults.flushMessages = int('log.flush.interval.messages')
  if (isSet('log.flush.interval.ms')) logDefaults.flushMs = int('log.flush.interval.ms')
  if (isSet('message.max.bytes')) logDefaults.maxMessageBytes = int('message.max.bytes')
  if (isSet('log.message.timestamp.type'))
    logDefaults.messageTimestampType = str(
      'log.message.timestamp.type',
    ) as LogConfig['messageTimestampType']
  if (isSet('log.cleanup.policy'))
    logDefaults.cleanupPolicy = splitList(str('log.cleanup.policy') ?? '').join(',')
  if (isSet('log.segment.delete.delay.ms'))
    logDefaults.fileDeleteDelayMs = int('log.segment.delete.delay.ms')
  if (isSet('log.preallocate')) logDefaults.preallocate = bool('log.preallocate')
  if (isSet('min.insync.replicas')) logDefaults.minInsyncReplicas = int('min.insync.replicas')
  if (isSet('unclean.leader.election.enable'))
    logDefaults.uncleanLeaderElectionEnable = bool('unclean.leader.election.enable')
  if (isSet('log.cleaner.delete.retention.ms'))
    logDefaults.deleteRetentionMs = int('log.cleaner.delete.retention.ms')
  if (isSet('log.cleaner.min.cleanable.ratio'))
    logDefaults.minCleanableDirtyRatio = Number(str('log.cleaner.min.cleanable.ratio'))

  const clusterId = str('cluster.id')
  if (clusterId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(clusterId))
    throw new ConfigError('cluster.id', `'${clusterId}' must be 1-64 characters of [A-Za-z0-9_-]`)

  return {
    listeners,
    advertisedListeners,
    listenerProtocols: protocols,
    ssl,
    logDirs,
    nodeId: int('node.id'),
    clusterId: clusterId === undefined || clusterId === '' ? null : clusterId,
    numPartitions: int('num.partitions'),
    defaultReplicationFactor: int('default.replication.factor'),
    logRetentionCheckIntervalMs: int('log.retention.check.interval.ms'),
    logFlushOffsetCheckpointIntervalMs: int('log.flush.offset.checkpoint.interval.ms'),
    autoCreateTopicsEnable: bool('auto.create.topics.enable'),
    deleteTopicEnable: bool('delete.topic.enable'),
    messageMaxBytes: int('message.max.bytes'),
    socketRequestMaxBytes: int('socket.request.max.bytes'),
    connectionsMaxIdleMs: int('connections.max.idle.ms'),
    queuedMaxRequestBytes: int('queued.max.request.bytes'),
    groupInitialRebalanceDelayMs: int('group.initial.rebalance.delay.ms'),
    groupMinSessionTimeoutMs: int('group.min.session.timeout.ms'),
    groupMaxSessionTimeoutMs: int('group.max.session.timeout.ms'),
    offsetsTopicNumPartitions: int('offsets.topic.num.partitions'),
    offsetsRetentionMinutes: int('offsets.retention.minutes'),
    tcpCongestion: str('samsa.tcp.congestion') ?? '',
    logCleanerEnable: bool('log.cleaner.enable'),
    numRecoveryThreadsPerDataDir: int('num.recovery.threads.per.data.dir'),
    maxIncrementalFetchSessionCacheSlots: int('max.incremental.fetch.session.cache.slots'),
    logSegmentRecycleBytes: int('samsa.log.segment.recycle.bytes'),
    sendfileInlineBytes: int('samsa.sendfile.inline.bytes'),
    logCleanerBackoffMs: int('log.cleaner.backoff.ms'),
    metadataStore: (str('metadata.store') ?? '') === '' ? null : (str('metadata.store') ?? null),
    brokerRack: (str('broker.rack') ?? '') === '' ? null : (str('broker.rack') ?? null),
    brokerSessionTimeoutMs: int('samsa.broker.session.timeout.ms'),
    replicaLagTimeMaxMs: int('replica.lag.time.max.ms'),
    offsetsTopicReplicationFactor: int('offsets.topic.replication.factor'),
    autoLeaderRebalanceEnable: bool('auto.leader.rebalance.enable'),
    leaderImbalanceCheckIntervalMs: int('leader.imbalance.check.interval.seconds') * 1000,
    logDefaults,
    values,
    sources,
  }
}

function retentionUnit(n: number, unitMs: number): number {
  return n < 0 ? -1 : n * unitMs
}

function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
}

/** Kafka's Long.MAX_VALUE and friends: clamp to the largest exact JS integer. */
function toNumber(v: string): number {
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : n > 0 ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER
}

const INT32_MAX = 2_147_483_647

function validate(def: KeyDef, v: string): void {
  switch (def.kind) {
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(v)) throw new ConfigError(def.key, `'${v}' is not an integer`)
      const n = toNumber(v)
      if (def.kind === 'int' && (n > INT32_MAX || n < -INT32_MAX - 1))
        throw new ConfigError(def.key, `'${v}' does not fit in a 32-bit integer`)
      if (def.min !== undefined && n < def.min)
        throw new ConfigError(def.key, `'${v}' is below the minimum ${def.min}`)
      return
    }
    case 'double': {
      const n = Number(v)
      if (v.trim() === '' || !Number.isFinite(n))
        throw new ConfigError(def.key, `'${v}' is not a number`)
      if (def.key === 'log.cleaner.min.cleanable.ratio' && (n < 0 || n > 1))
        throw new ConfigError(def.key, `'${v}' is not in [0, 1]`)
      return
    }
    case 'bool':
      if (v !== 'true' && v !== 'false')
        throw new ConfigError(def.key, `'${v}' is not true or false`)
      return
    case 'enum':
      if (!(def.values ?? []).includes(v))
        throw new ConfigError(def.key, `'${v}' is not one of ${(def.values ?? []).join(', ')}`)
      return
    case 'list':
    case 'string':
      return
  }
}

/** `NAME://host:port[,...]`; IPv6 hosts in brackets. */
export function parseListeners(key: string, text: string): ListenerAddress[] {
  const out: ListenerAddress[] = []
  const names = new Set<string>()
  for (const item of splitList(text)) {
    const m = /^([A-Za-z0-9_]+):\/\/(\[[0-9a-fA-F:.]+\]|[^:/\s]*):(\d+)$/.exec(item)
    if (m === null) throw new ConfigError(key, `'${item}' is not NAME://host:port`)
    const name = (m[1] ?? '').toUpperCase()
    const host = (m[2] ?? '').replace(/^\[|\]$/g, '')
    const port = Number(m[3])
    if (port > 65535) throw new ConfigError(key, `'${item}' has port ${port} above 65535`)
    if (names.has(name)) throw new ConfigError(key, `listener name ${name} appears twice`)
    names.add(name)
    out.push({ name, host, port })
  }
  return out
}
