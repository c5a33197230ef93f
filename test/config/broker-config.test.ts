import { describe, expect, it } from 'vitest'
import { ConfigError, loadBrokerConfig, parseOverride } from '../../src/config/broker-config.js'
import { envNameOf } from '../../src/config/keys.js'
import { DEFAULT_LOG_CONFIG } from '../../src/log/log-config.js'

const noEnv = {}

describe('loadBrokerConfig', () => {
  it('uses Kafka defaults', () => {
    const { config, warnings } = loadBrokerConfig({ env: noEnv })
    expect(warnings).toEqual([])
    expect(config.listeners).toEqual([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }])
    expect(config.advertisedListeners).toEqual(config.listeners)
    expect(config.logDirs).toEqual(['./data'])
    expect(config.nodeId).toBe(1)
    expect(config.numPartitions).toBe(1)
    expect(config.autoCreateTopicsEnable).toBe(true)
    expect(config.deleteTopicEnable).toBe(true)
    expect(config.messageMaxBytes).toBe(1048588)
    expect(config.socketRequestMaxBytes).toBe(104857600)
    expect(config.connectionsMaxIdleMs).toBe(600000)
    expect(config.tcpCongestion).toBe('')
    expect(config.clusterId).toBeNull()
    expect(config.logDefaults).toEqual(DEFAULT_LOG_CONFIG)
    expect(config.sources.get('num.partitions')).toBe('default')
  })

  it('precedence: file < env < --set', () => {
    const fileText = 'num.partitions=2\nlog.dirs=/from-file\nnode.id=5\n'
    const env = { [envNameOf('num.partitions')]: '3', SAMSA_LOG_DIRS: '/from-env' }
    const { config } = loadBrokerConfig({
      fileText,
      env,
      overrides: [['num.partitions', '4']],
    })
    expect(envNameOf('log.dirs')).toBe('SAMSA_LOG_DIRS')
    expect(config.numPartitions).toBe(4)
    expect(config.sources.get('num.partitions')).toBe('cli')
    expect(config.logDirs).toEqual(['/from-env'])
    expect(config.sources.get('log.dirs')).toBe('env')
    expect(config.nodeId).toBe(5)
    expect(config.sources.get('node.id')).toBe('file')
  })

  it('log.dirs wins over log.dir and is split on commas', () => {
    const a = loadBrokerConfig({ env: noEnv, overrides: [['log.dir', '/one']] }).config
    expect(a.logDirs).toEqual(['/one'])
    const b = loadBrokerConfig({
      env: noEnv,
      fileText: 'log.dir=/one\nlog.dirs=/x, /y\n',
    }).config
    expect(b.logDirs).toEqual(['/x', '/y'])
  })

  it('broker.id is an alias of node.id', () => {
    const { config, warnings } = loadBrokerConfig({ env: noEnv, fileText: 'broker.id=7' })
    expect(config.nodeId).toBe(7)
    expect(warnings).toEqual([])
  })

  it('warns about unknown keys by name and about keys without effect', () => {
    const { warnings } = loadBrokerConfig({
      env: noEnv,
      fileText: 'log.dirz=/x\nnum.io.threads=8\n',
    })
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/log\.dirz.*not a known key/)
    expect(warnings[1]).toMatch(/num\.io\.threads.*no effect/)
  })

  it.each([
    ['num.partitions', 'two', /num\.partitions.*not an integer/],
    ['num.partitions', '0', /num\.partitions.*below the minimum 1/],
    ['message.max.bytes', '3000000000', /message\.max\.bytes.*32-bit/],
    ['auto.create.topics.enable', 'yes', /auto\.create\.topics\.enable.*true or false/],
    ['log.message.timestamp.type', 'Wall', /log\.message\.timestamp\.type.*CreateTime/],
    ['listeners', 'localhost:9092', /listeners.*NAME:\/\/host:port/],
    ['listeners', 'PLAINTEXT://h:70000', /listeners.*above 65535/],
    ['cluster.id', 'bad id!', /cluster\.id/],
  ])('malformed %s=%s is an error naming the key', (key, value, pattern) => {
    let caught: unknown
    try {
      loadBrokerConfig({ env: noEnv, overrides: [[key, value]] })
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(ConfigError)
    expect((caught as ConfigError).key).toBe(key)
    expect((caught as Error).message).toMatch(pattern)
  })

  it('maps broker log.* keys onto the LogConfig defaults', () => {
    const { config } = loadBrokerConfig({
      env: noEnv,
      fileText: [
        'log.segment.bytes=1048576',
        'log.roll.hours=2',
        'log.retention.minutes=30',
        'log.retention.bytes=5000',
        'log.index.size.max.bytes=4096',
        'log.index.interval.bytes=100',
        'log.flush.interval.messages=10',
        'log.flush.interval.ms=500',
        'message.max.bytes=2000',
        'log.message.timestamp.type=LogAppendTime',
      ].join('\n'),
    })
    expect(config.logDefaults).toEqual({
      ...DEFAULT_LOG_CONFIG,
      segmentBytes: 1048576,
      segmentMs: 2 * 3600_000,
      retentionMs: 30 * 60_000,
      retentionBytes: 5000,
      segmentIndexBytes: 4096,
      indexIntervalBytes: 100,
      flushMessages: 10,
      flushMs: 500,
      maxMessageBytes: 2000,
      messageTimestampType: 'LogAppendTime',
    })
  })

  it('retention: ms beats minutes beats hours; -1 stays forever', () => {
    const cfg = (text: string): number =>
      loadBrokerConfig({ env: noEnv, fileText: text }).config.logDefaults.retentionMs
    expect(cfg('log.retention.hours=1\nlog.retention.minutes=2\nlog.retention.ms=3')).toBe(3)
    expect(cfg('log.retention.hours=1\nlog.retention.minutes=2')).toBe(120_000)
    expect(cfg('log.retention.hours=1')).toBe(3_600_000)
    expect(cfg('log.retention.hours=-1')).toBe(-1)
  })

  it('log.roll.ms (or log.segment.ms) beats log.roll.hours', () => {
    const c = loadBrokerConfig({ env: noEnv, fileText: 'log.roll.hours=1\nlog.segment.ms=99' })
    expect(c.config.logDefaults.segmentMs).toBe(99)
  })

  it('Long.MAX_VALUE flush interval becomes the largest exact JS integer', () => {
    const { config } = loadBrokerConfig({
      env: noEnv,
      overrides: [['log.flush.interval.messages', '9223372036854775807']],
    })
    expect(config.logDefaults.flushMessages).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('parses several listeners and advertised listeners', () => {
    const { config } = loadBrokerConfig({
      env: noEnv,
      fileText:
        'listeners=PLAINTEXT://:9092,INTERNAL://[::1]:0\nadvertised.listeners=PLAINTEXT://broker1:19092\n' +
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT',
    })
    expect(config.listeners).toEqual([
      { name: 'PLAINTEXT', host: '', port: 9092 },
      { name: 'INTERNAL', host: '::1', port: 0 },
    ])
    expect(config.advertisedListeners).toEqual([
      { name: 'PLAINTEXT', host: 'broker1', port: 19092 },
    ])
  })

  it('parseOverride splits at the first =', () => {
    expect(parseOverride('a.b=c=d')).toEqual(['a.b', 'c=d'])
    expect(() => parseOverride('novalue')).toThrow(ConfigError)
  })
})
