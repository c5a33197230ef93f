// The config catalogue behind DescribeConfigs, CreateTopics v5+ and IncrementalAlterConfigs: for
// each topic-level config its effective value, where that value comes from (topic override,
// broker property, built-in default), its synonyms in Kafka's precedence order and its type.
// Passwords (ssl.*.password) are sensitive: their value is null. Documentation is left null.

import { DEFAULT_LOG_CONFIG, NEVER, TOPIC_CONFIG_KEYS } from '../log/log-config.js'
import type { LogConfig } from '../log/log-config.js'
import { KEY_DEFS } from '../config/keys.js'
import type { KeyKind } from '../config/keys.js'
import type { BrokerConfig } from '../config/broker-config.js'

/** Kafka's DescribeConfigsResponse ConfigSource values. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const

/** Kafka's DescribeConfigsResponse ConfigType values. */
export const ConfigType = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const

/** ConfigResource types. */
export const ResourceType = { TOPIC: 2, BROKER: 4 } as const

export interface ConfigSynonym {
  name: string
  value: string | null
  source: number
}

export interface ConfigEntry {
  name: string
  value: string | null
  readOnly: boolean
  source: number
  isSensitive: boolean
  configType: number
  /** Most specific first; the first one is the entry's own value. */
  synonyms: ConfigSynonym[]
}

interface TopicConfigDef {
  /** Broker properties that supply the default, most specific first (Kafka's synonyms). */
  brokerKeys: readonly string[]
  type: number
}

const TOPIC_CONFIG_DEFS: Readonly<Record<string, TopicConfigDef>> = {
  'segment.bytes': { brokerKeys: ['log.segment.bytes'], type: ConfigType.INT },
  'segment.ms': {
    brokerKeys: ['log.roll.ms', 'log.segment.ms', 'log.roll.hours'],
    type: ConfigType.LONG,
  },
  'segment.index.bytes': { brokerKeys: ['log.index.size.max.bytes'], type: ConfigType.INT },
  'index.interval.bytes': { brokerKeys: ['log.index.interval.bytes'], type: ConfigType.INT },
  'retention.ms': {
    brokerKeys: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
    type: ConfigType.LONG,
  },
  'retention.bytes': { brokerKeys: ['log.retention.bytes'], type: ConfigType.LONG },
  'flush.messages': { brokerKeys: ['log.flush.interval.messages'], type: ConfigType.LONG },
  'flush.ms': { brokerKeys: ['log.flush.interval.ms'], type: ConfigType.LONG },
  'max.message.bytes': { brokerKeys: ['message.max.bytes'], type: ConfigType.INT },
  'message.timestamp.type': { brokerKeys: ['log.message.timestamp.type'], type: ConfigType.STRING },
  'cleanup.policy': { brokerKeys: ['log.cleanup.policy'], type: ConfigType.LIST },
  'file.delete.delay.ms': { brokerKeys: ['log.segment.delete.delay.ms'], type: ConfigType.LONG },
  preallocate: { brokerKeys: ['log.preallocate'], type: ConfigType.BOOLEAN },
  'delete.retention.ms': {
    brokerKeys: ['log.cleaner.delete.retention.ms'],
    type: ConfigType.LONG,
  },
  'min.insync.replicas': { brokerKeys: ['min.insync.replicas'], type: ConfigType.INT },
  'unclean.leader.election.enable': {
    brokerKeys: ['unclean.leader.election.enable'],
    type: ConfigType.BOOLEAN,
  },
  'min.cleanable.dirty.ratio': {
    brokerKeys: ['log.cleaner.min.cleanable.ratio'],
    type: ConfigType.DOUBLE,
  },
}

/** Every topic-level config name we understand, in a stable order. */
export const TOPIC_CONFIG_NAMES: readonly string[] = Object.keys(TOPIC_CONFIG_KEYS).sort()

export function topicConfigType(name: string): number {
  return TOPIC_CONFIG_DEFS[name]?.type ?? ConfigType.UNKNOWN
}

/** A LogConfig value as Kafka prints it: our "never" is Kafka's Long.MAX_VALUE. */
export function formatLogConfigValue(value: LogConfig[keyof LogConfig]): string {
  if (typeof value === 'number' && value >= NEVER) return '9223372036854775807'
  return String(value)
}

const KEY_DEFAULTS: ReadonlyMap<string, string | null> = new Map(
  KEY_DEFS.map((d) => [d.key, d.default]),
)

function topicSynonyms(
  name: string,
  key: keyof LogConfig,
  def: TopicConfigDef,
  override: string | undefined,
  broker: BrokerConfig,
): ConfigSynonym[] {
  const synonyms: ConfigSynonym[] = []
  if (override !== undefined) {
    synonyms.push({ name, value: override, source: ConfigSource.DYNAMIC_TOPIC_CONFIG })
  }
  for (const k of def.brokerKeys) {
    const s = broker.sources.get(k)
    if (s !== undefined && s !== 'default') {
      synonyms.push({
        name: k,
        value: broker.values.get(k) ?? null,
        source: ConfigSource.STATIC_BROKER_CONFIG,
      })
    }
  }
  // The built-in default, named after the broker property that carries it (Kafka shows e.g.
  // DEFAULT_CONFIG log.retention.hours=168 under retention.ms).
  const withDefault = def.brokerKeys.find((k) => (KEY_DEFAULTS.get(k) ?? null) !== null)
  synonyms.push(
    withDefault === undefined
      ? {
          name: def.brokerKeys[0] ?? name,
          value: formatLogConfigValue(DEFAULT_LOG_CONFIG[key]),
          source: ConfigSource.DEFAULT_CONFIG,
        }
      : {
          name: withDefault,
          value: KEY_DEFAULTS.get(withDefault) ?? null,
          source: ConfigSource.DEFAULT_CONFIG,
        },
  )
  return synonyms
}

/**
 * Describes every topic config (or only `names`; unknown names are skipped, as Kafka does) for a
 * topic whose overrides are `overrides`.
 */
export function describeTopicConfigs(
  overrides: Readonly<Record<string, string>>,
  broker: BrokerConfig,
  names: readonly string[] | null = null,
): ConfigEntry[] {
  const out: ConfigEntry[] = []
  for (const name of names ?? TOPIC_CONFIG_NAMES) {
    const key = TOPIC_CONFIG_KEYS[name]
    const def = TOPIC_CONFIG_DEFS[name]
    if (key === undefined || def === undefined) continue
    const override = overrides[name]
    const synonyms = topicSynonyms(name, key, def, override, broker)
    out.push({
      name,
      // Without an override the value is what a new log of this broker really uses.
      value: override ?? formatLogConfigValue(broker.logDefaults[key]),
      readOnly: false,
      source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
      isSensitive: false,
      configType: def.type,
      synonyms,
    })
  }
  return out
}

const KIND_TYPES: Readonly<Record<KeyKind, number>> = {
  int: ConfigType.INT,
  long: ConfigType.LONG,
  double: ConfigType.DOUBLE,
  bool: ConfigType.BOOLEAN,
  string: ConfigType.STRING,
  list: ConfigType.LIST,
  enum: ConfigType.STRING,
}

/**
 * Describes the broker's own properties. All are read-only: there are no dynamic broker configs,
 * a change means editing server.properties and restarting.
 */
export function describeBrokerConfigs(
  broker: BrokerConfig,
  names: readonly string[] | null = null,
): ConfigEntry[] {
  const wanted = names === null ? null : new Set(names)
  const out: ConfigEntry[] = []
  for (const def of KEY_DEFS) {
    if (wanted !== null && !wanted.has(def.key)) continue
    const set = broker.values.get(def.key)
    if (set === undefined) continue
    const value = def.sensitive === true ? null : set
    const source =
      broker.sources.get(def.key) === 'default'
        ? ConfigSource.DEFAULT_CONFIG
        : ConfigSource.STATIC_BROKER_CONFIG
    out.push({
      name: def.key,
      value,
      readOnly: true,
      source,
      isSensitive: def.sensitive === true,
      configType: def.sensitive === true ? ConfigType.PASSWORD : KIND_TYPES[def.kind],
      synonyms: [{ name: def.key, value, source }],
    })
  }
  return out
}
