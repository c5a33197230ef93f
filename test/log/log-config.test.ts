import { describe, expect, it } from 'vitest'
import {
  DEFAULT_LOG_CONFIG,
  NEVER,
  TOPIC_CONFIG_KEYS,
  parseTopicConfig,
  parseTopicConfigs,
} from '../../src/log/log-config.js'
import { KafkaError } from '../../src/protocol/errors.js'

describe('log config', () => {
  it("has Kafka's defaults", () => {
    expect(DEFAULT_LOG_CONFIG.segmentBytes).toBe(1073741824)
    expect(DEFAULT_LOG_CONFIG.segmentIndexBytes).toBe(10485760)
    expect(DEFAULT_LOG_CONFIG.indexIntervalBytes).toBe(4096)
    expect(DEFAULT_LOG_CONFIG.maxMessageBytes).toBe(1048588)
    expect(DEFAULT_LOG_CONFIG.retentionMs).toBe(604800000)
    expect(DEFAULT_LOG_CONFIG.retentionBytes).toBe(-1)
    expect(DEFAULT_LOG_CONFIG.flushMessages).toBe(NEVER)
    expect(DEFAULT_LOG_CONFIG.fileDeleteDelayMs).toBe(60000)
  })
  it('maps every Kafka name to a LogConfig key', () => {
    for (const key of Object.values(TOPIC_CONFIG_KEYS))
      expect(DEFAULT_LOG_CONFIG).toHaveProperty(key)
    expect(Object.keys(TOPIC_CONFIG_KEYS)).toHaveLength(17)
  })
  it('parses and validates values', () => {
    expect(parseTopicConfig('segment.bytes', '1048576')).toEqual({ segmentBytes: 1048576 })
    expect(parseTopicConfig('retention.ms', '-1')).toEqual({ retentionMs: -1 })
    expect(parseTopicConfig('flush.messages', '9223372036854775807')).toEqual({
      flushMessages: NEVER,
    })
    expect(parseTopicConfig('message.timestamp.type', 'LogAppendTime')).toEqual({
      messageTimestampType: 'LogAppendTime',
    })
    expect(parseTopicConfig('cleanup.policy', 'compact,delete')).toEqual({
      cleanupPolicy: 'compact,delete',
    })
    expect(parseTopicConfig('preallocate', 'true')).toEqual({ preallocate: true })
    expect(parseTopicConfig('unclean.leader.election.enable', 'false')).toEqual({
      uncleanLeaderElectionEnable: false,
    })
    for (const [n, v] of [
      ['segment.bytes', 'abc'],
      ['segment.bytes', '10'],
      ['retention.ms', '-2'],
      ['message.timestamp.type', 'Now'],
      ['cleanup.policy', 'forever'],
      ['preallocate', 'yes'],
      ['unclean.leader.election.enable', '1'],
      ['no.such.config', '1'],
    ]) {
      expect(() => parseTopicConfig(n, v), `${n}=${v}`).toThrow(KafkaError)
      try {
        parseTopicConfig(n, v)
      } catch (err) {
        expect((err as KafkaError).errorName).toBe('INVALID_CONFIG')
      }
    }
  })
  it('skips non-log names in a whole config map', () => {
    expect(parseTopicConfigs({ 'compression.type': 'producer', 'segment.ms': '1000' })).toEqual({
      segmentMs: 1000,
    })
    expect(parseTopicConfigs({ 'min.insync.replicas': '2' })).toEqual({ minInsyncReplicas: 2 })
  })
})
