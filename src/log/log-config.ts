// Per-topic log settings with Kafka's names and defaults (LogConfig / ServerLogConfigs).
import { KafkaError } from '../protocol/errors.js'

export interface LogConfig {
  segmentBytes: number
  segmentMs: number
  segmentIndexBytes: number
  indexIntervalBytes: number
  retentionMs: number
  retentionBytes: number
  flushMessages: number
  flushMs: number
  maxMessageBytes: number
  messageTimestampType: 'CreateTime' | 'LogAppendTime'
  cleanupPolicy: string
  fileDeleteDelayMs: number
  preallocate: boolean
  /** Compaction: how long tombstones stay readable (delete.retention.ms). */
  deleteRetentionMs: number
  /** Compaction: dirty bytes / cleanable bytes before a log is cleaned (min.cleanable.dirty.ratio). */
  minCleanableDirtyRatio: number
  /** Replication: ISR size acks=all needs (min.insync.replicas); read by the produce paths. */
  minInsyncReplicas: number
  /** Replication: an out-of-sync replica may lead when no ISR member is left; read by the
   *  controller (unclean.leader.election.enable). */
  uncleanLeaderElectionEnable: boolean
}

// Kafka's Long.MAX_VALUE ("never") is represented by the largest exact JS integer.
export const NEVER = Number.MAX_SAFE_INTEGER

const DAY_MS = 24 * 60 * 60 * 1000

export const DEFAULT_LOG_CONFIG: LogConfig = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY_MS,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  flushMessages: NEVER,
  flushMs: NEVER,
  maxMessageBytes: 1024 * 1024 + 12,
  messageTimestampType: 'CreateTime',
  cleanupPolicy: 'delete',
  fileDeleteDelayMs: 60_000,
  preallocate: false,
  deleteRetentionMs: DAY_MS,
  minCleanableDirtyRatio: 0.5,
  minInsyncReplicas: 1,
  uncleanLeaderElectionEnable: false,
}) as LogConfig

export const TOPIC_CONFIG_KEYS: Record<string, keyof LogConfig> = {
  'segment.bytes': 'segmentBytes',
  'segment.ms': 'segmentMs',
  'segment.index.bytes': 'segmentIndexBytes',
  'index.interval.bytes': 'indexIntervalBytes',
  'retention.ms': 'retentionMs',
  'retention.bytes': 'retentionBytes',
  'flush.messages': 'flushMessages',
  'flush.ms': 'flushMs',
  'max.message.bytes': 'maxMessageBytes',
  'message.timestamp.type': 'messageTimestampType',
  'cleanup.policy': 'cleanupPolicy',
  'file.delete.delay.ms': 'fileDeleteDelayMs',
  preallocate: 'preallocate',
  'delete.retention.ms': 'deleteRetentionMs',
  'min.cleanable.dirty.ratio': 'minCleanableDirtyRatio',
  'min.insync.replicas': 'minInsyncReplicas',
  'unclean.leader.election.enable': 'uncleanLeaderElectionEnable',
}

const INT32_MAX = 2 ** 31 - 1

// Lower bounds follow Kafka's ConfigDef validators (e.g. segment.bytes >= 14, the smallest log
// header; segment.index.bytes >= 4 bytes of index).
const integerRules: Partial<Record<keyof LogConfig, { min: number; max: number }>> = {
  segmentBytes: { min: 14, max: INT32_MAX },
  segmentMs: { min: 1, max: NEVER },
  segmentIndexBytes: { min: 4, max: INT32_MAX },
  indexIntervalBytes: { min: 0, max: INT32_MAX },
  retentionMs: { min: -1, max: NEVER },
  retentionBytes: { min: -1, max: NEVER },
  flushMessages: { min: 1, max: NEVER },
  flushMs: { min: 0, max: NEVER },
  maxMessageBytes: { min: 0, max: INT32_MAX },
  fileDeleteDelayMs: { min: 0, max: NEVER },
  deleteRetentionMs: { min: 0, max: NEVER },
  minInsyncReplicas: { min: 1, max: INT32_MAX },
}

function invalid(name: string, value: string, why: string): KafkaError {
  return new KafkaError('INVALID_CONFIG', `invalid value '${value}' for ${name}: ${why}`)
}

/** Validates one Kafka topic config entry and returns it as a LogConfig fragment. */
export function parseTopicConfig(name: string, value: string): Partial<LogConfig> {
  const key = TOPIC_CONFIG_KEYS[name]
  if (key === undefined) throw new KafkaError('INVALID_CONFIG', `unknown topic config ${name}`)
  const v = value.trim()
  switch (key) {
    case 'messageTimestampType':
      if (v !== 'CreateTime' && v !== 'LogAppendTime') {
        throw invalid(name, value, 'expected CreateTime or LogAppendTime')
      }
      return { messageTimestampType: v }
    case 'cleanupPolicy': {
      const parts = v.split(',').map((p) => p.trim())
      if (parts.length === 0 || parts.some((p) => p !== 'delete' && p !== 'compact')) {
        throw invalid(name, value, 'expected delete, compact or both')
      }
      return { cleanupPolicy: parts.join(',') }
    }
    case 'minCleanableDirtyRatio': {
      const n = Number(v)
      if (v === '' || !Number.isFinite(n) || n < 0 || n > 1) {
        throw invalid(name, value, 'expected a number in [0, 1]')
      }
      return { minCleanableDirtyRatio: n }
    }
    case 'preallocate':
    case 'uncleanLeaderElectionEnable':
      if (v !== 'true' && v !== 'false') throw invalid(name, value, 'expected true or false')
      return { [key]: v === 'true' }
    default: {
      if (!/^-?\d+$/.test(v)) throw invalid(name, value, 'expected an integer')
      // Kafka's "Long.MAX_VALUE" literal is accepted and means never.
      let n = Number(v)
      if (n > NEVER) n = NEVER
      const rule = integerRules[key]
      if (rule !== undefined && (n < rule.min || n > rule.max)) {
        throw invalid(name, value, `must be in [${rule.min}, ${rule.max}]`)
      }
      return { [key]: n }
    }
  }
}

/**
 * Parses a whole Kafka-named config map (as stored by the topic store) into overrides. Names that
 * are not log settings (compression.type, ...) are skipped: other modules own them.
 */
export function parseTopicConfigs(configs: Record<string, string>): Partial<LogConfig> {
  const out: Partial<LogConfig> = {}
  for (const [name, value] of Object.entries(configs)) {
    if (TOPIC_CONFIG_KEYS[name] !== undefined) Object.assign(out, parseTopicConfig(name, value))
  }
  return out
}
