// SIGHUP reload: re-read the config file (+ SAMSA_* environment + --set overrides, the same
// sources as at start-up), compare the effective values with the running ones, apply the keys
// that can change live and name the ones that need a restart.
//
// Live: the broker-level log.* defaults (every log without a topic override picks up the new
// retention/segment/flush/cleaner values; new segments use the new sizes), message.max.bytes,
// min.insync.replicas (read per acks=all produce), unclean.leader.election.enable (read by the
// controller at each pass; a reload runs one), topic auto-creation/deletion and default
// partition counts (read per request), connections.max.idle.ms (for new connections) and the
// ssl.* key material (SSL listeners re-read their files at every reload). Every key that feeds
// BrokerConfig.logDefaults must be listed: that object is replaced as a whole.

import { loadBrokerConfig } from './broker-config.js'
import type { BrokerConfig, ConfigOrigin } from './broker-config.js'
import type { LogFn } from '../log-fn.js'

export const LIVE_KEYS: ReadonlySet<string> = new Set([
  'log.segment.bytes',
  'log.roll.ms',
  'log.segment.ms',
  'log.roll.hours',
  'log.retention.ms',
  'log.retention.minutes',
  'log.retention.hours',
  'log.retention.bytes',
  'log.index.size.max.bytes',
  'log.index.interval.bytes',
  'log.flush.interval.messages',
  'log.flush.interval.ms',
  'log.cleanup.policy',
  'log.segment.delete.delay.ms',
  'log.preallocate',
  'log.message.timestamp.type',
  'log.cleaner.delete.retention.ms',
  'log.cleaner.min.cleanable.ratio',
  'message.max.bytes',
  'min.insync.replicas',
  'unclean.leader.election.enable',
  'auto.create.topics.enable',
  'delete.topic.enable',
  'num.partitions',
  'default.replication.factor',
  'connections.max.idle.ms',
  // SSL listeners take new key material at every reload, changed path or not (a certificate
  // renewed in place); ssl.client.auth is a server setting and needs a restart.
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.truststore.type',
  'ssl.truststore.location',
])

export interface ReloadPlan {
  changed: string[]
  live: string[]
  restart: string[]
  /** The running config with the live keys' new values. */
  config: BrokerConfig
}

export function planReload(current: BrokerConfig, next: BrokerConfig): ReloadPlan {
  const keys = new Set([...current.values.keys(), ...next.values.keys()])
  const changed = [...keys].filter((k) => current.values.get(k) !== next.values.get(k)).sort()
  const live = changed.filter((k) => LIVE_KEYS.has(k))
  const restart = changed.filter((k) => !LIVE_KEYS.has(k))
  const values = new Map(current.values)
  const sources = new Map(current.sources)
  for (const k of live) {
    const v = next.values.get(k)
    if (v === undefined) values.delete(k)
    else values.set(k, v)
    const s = next.sources.get(k)
    if (s === undefined) sources.delete(k)
    else sources.set(k, s)
  }
  // The LogManager holds current.logDefaults by reference: update that object in place so new
  // logs start from the new defaults too.
  Object.assign(current.logDefaults, next.logDefaults)
  const config: BrokerConfig = {
    ...current,
    messageMaxBytes: next.messageMaxBytes,
    autoCreateTopicsEnable: next.autoCreateTopicsEnable,
    deleteTopicEnable: next.deleteTopicEnable,
    numPartitions: next.numPartitions,
    defaultReplicationFactor: next.defaultReplicationFactor,
    connectionsMaxIdleMs: next.connectionsMaxIdleMs,
    ssl:
      current.ssl === null || next.ssl === null
        ? current.ssl
        : { ...next.ssl, clientAuth: current.ssl.clientAuth },
    logDefaults: current.logDefaults,
    values,
    sources,
  }
  return { changed, live, restart, config }
}

export interface ReloadHooks {
  log: LogFn
  /** Swap the running config (services.config) and push log defaults to open logs. */
  apply(plan: ReloadPlan): void
}

/** Re-reads the config from its origin and applies it; null (logged) when the file is bad. */
export function reloadConfig(
  current: BrokerConfig,
  origin: ConfigOrigin,
  hooks: ReloadHooks,
): ReloadPlan | null {
  let next: BrokerConfig
  try {
    const loaded = loadBrokerConfig({ ...origin })
    for (const w of loaded.warnings) hooks.log('warn', w)
    next = loaded.config
  } catch (err) {
    hooks.log('error', 'config reload failed; the running config is unchanged', { error: err })
    return null
  }
  const plan = planReload(current, next)
  hooks.apply(plan)
  hooks.log('info', 'config reloaded', {
    file: origin.file,
    changed: plan.changed,
    applied: plan.live,
    needsRestart: plan.restart,
  })
  if (plan.restart.length > 0)
    hooks.log('warn', 'config changes that take effect only after a restart', {
      keys: plan.restart,
    })
  return plan
}
