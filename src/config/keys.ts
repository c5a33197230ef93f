// The broker property names Samsa understands: Kafka's names, types and defaults (KafkaConfig,
// ServerLogConfigs), plus our own `samsa.*` keys. This table is the one place a key is declared;
// parsing, defaults, environment names and `--help` output all come from it.

export type KeyKind = 'int' | 'long' | 'double' | 'bool' | 'string' | 'list' | 'enum'

export interface KeyDef {
  readonly key: string
  readonly kind: KeyKind
  /** Kafka's default as the property string; null = unset (derived from another key). */
  readonly default: string | null
  readonly min?: number
  readonly values?: readonly string[]
  readonly doc: string
  /** A secret: DescribeConfigs answers null with is_sensitive, and it is never printed. */
  readonly sensitive?: boolean
}

const HOUR_MS = 3_600_000

export const KEY_DEFS: readonly KeyDef[] = [
  {
    key: 'listeners',
    kind: 'list',
    default: 'PLAINTEXT://127.0.0.1:9092',
    doc: 'NAME://host:port to listen on',
  },
  {
    key: 'advertised.listeners',
    kind: 'list',
    default: null,
    doc: 'addresses given to clients (default: listeners)',
  },
  {
    key: 'listener.security.protocol.map',
    kind: 'list',
    default: 'PLAINTEXT:PLAINTEXT,SSL:SSL',
    doc: 'NAME:PROTOCOL for every listener name; PLAINTEXT or SSL',
  },
  {
    key: 'ssl.keystore.type',
    kind: 'enum',
    default: 'PEM',
    values: ['PEM', 'PKCS12', 'JKS'],
    doc: 'format of ssl.keystore.location (JKS is refused: convert it to PKCS12)',
  },
  {
    key: 'ssl.keystore.location',
    kind: 'string',
    default: null,
    doc: 'SSL listeners: a PEM file with the private key and certificate chain, or PKCS12',
  },
  {
    key: 'ssl.keystore.password',
    kind: 'string',
    default: null,
    doc: 'password of a PKCS12 keystore',
    sensitive: true,
  },
  {
    key: 'ssl.key.password',
    kind: 'string',
    default: null,
    doc: 'password of an encrypted PEM private key',
    sensitive: true,
  },
  {
    key: 'ssl.truststore.type',
    kind: 'enum',
    default: 'PEM',
    values: ['PEM'],
    doc: 'format of ssl.truststore.location',
  },
  {
    key: 'ssl.truststore.location',
    kind: 'string',
    default: null,
    doc: 'PEM CA certificates that client certificates must chain to',
  },
  {
    key: 'ssl.client.auth',
    kind: 'enum',
    default: 'none',
    values: ['none', 'requested', 'required'],
    doc: 'ask SSL clients for a certificate (requested) or insist on one (required)',
  },
  { key: 'log.dirs', kind: 'list', default: null, doc: 'data directories (default: log.dir)' },
  {
    key: 'log.dir',
    kind: 'string',
    default: './data',
    doc: 'data directory when log.dirs is unset',
  },
  { key: 'node.id', kind: 'int', default: '1', min: 0, doc: "this broker's id (alias broker.id)" },
  {
    key: 'cluster.id',
    kind: 'string',
    default: null,
    doc: 'cluster id; generated and stored in meta.properties when unset',
  },
  {
    key: 'num.partitions',
    kind: 'int',
    default: '1',
    min: 1,
    doc: 'partitions of auto-created topics',
  },
  {
    key: 'default.replication.factor',
    kind: 'int',
    default: '1',
    min: 1,
    doc: 'replication factor of auto-created topics',
  },
  {
    key: 'min.insync.replicas',
    kind: 'int',
    default: '1',
    min: 1,
    doc: 'in-sync replicas required by acks=all',
  },
  {
    key: 'log.segment.bytes',
    kind: 'int',
    default: '1073741824',
    min: 14,
    doc: 'segment size before a roll',
  },
  {
    key: 'log.roll.ms',
    kind: 'long',
    default: null,
    min: 1,
    doc: 'segment age before a roll (over log.roll.hours)',
  },
  { key: 'log.segment.ms', kind: 'long', default: null, min: 1, doc: 'alias of log.roll.ms' },
  {
    key: 'log.roll.hours',
    kind: 'int',
    default: '168',
    min: 1,
    doc: 'segment age before a roll, hours',
  },
  {
    key: 'log.retention.ms',
    kind: 'long',
    default: null,
    min: -1,
    doc: 'retention time; -1 = forever',
  },
  {
    key: 'log.retention.minutes',
    kind: 'int',
    default: null,
    min: -1,
    doc: 'retention time, minutes',
  },
  {
    key: 'log.retention.hours',
    kind: 'int',
    default: '168',
    min: -1,
    doc: 'retention time, hours',
  },
  {
    key: 'log.retention.bytes',
    kind: 'long',
    default: '-1',
    min: -1,
    doc: 'retained bytes per partition; -1 = no limit',
  },
  {
    key: 'log.retention.check.interval.ms',
    kind: 'long',
    default: '300000',
    min: 1,
    doc: 'how often retention runs',
  },
  {
    key: 'log.index.size.max.bytes',
    kind: 'int',
    default: '10485760',
    min: 4,
    doc: 'max size of an offset index',
  },
  {
    key: 'log.index.interval.bytes',
    kind: 'int',
    default: '4096',
    min: 0,
    doc: 'bytes between index entries',
  },
  {
    key: 'log.flush.interval.messages',
    kind: 'long',
    default: '9223372036854775807',
    min: 1,
    doc: 'fsync after this many messages',
  },
  {
    key: 'log.flush.interval.ms',
    kind: 'long',
    default: null,
    min: 0,
    doc: 'fsync after this long (unset: never)',
  },
  {
    key: 'log.flush.offset.checkpoint.interval.ms',
    kind: 'int',
    default: '60000',
    min: 0,
    doc: 'recovery-point checkpoint interval',
  },
  { key: 'log.cleanup.policy', kind: 'list', default: 'delete', doc: 'delete and/or compact' },
  {
    key: 'log.segment.delete.delay.ms',
    kind: 'long',
    default: '60000',
    min: 0,
    doc: "delay before a deleted segment's files go",
  },
  { key: 'log.preallocate', kind: 'bool', default: 'false', doc: 'preallocate segment files' },
  {
    key: 'samsa.log.segment.recycle.bytes',
    kind: 'long',
    default: '1073741824',
    min: 0,
    doc: 'deleted segment files kept per log dir and reused for new segments (0: off)',
  },
  {
    key: 'samsa.sendfile.inline.bytes',
    kind: 'int',
    default: '65536',
    min: 0,
    doc: 'fetched file regions appended moments ago and at most this big are sent on the event loop, not the sendfile thread (0: never)',
  },
  {
    key: 'num.recovery.threads.per.data.dir',
    kind: 'int',
    default: '1',
    min: 1,
    doc: 'partitions of one log dir recovered at the same time at start-up',
  },
  {
    key: 'max.incremental.fetch.session.cache.slots',
    kind: 'int',
    default: '1000',
    min: 0,
    doc: 'incremental fetch sessions (KIP-227) kept; 0 = none',
  },
  {
    key: 'log.cleaner.enable',
    kind: 'bool',
    default: 'true',
    doc: 'run the log cleaner (compaction)',
  },
  {
    key: 'log.cleaner.backoff.ms',
    kind: 'long',
    default: '15000',
    min: 0,
    doc: 'pause of the log cleaner when no log needs cleaning',
  },
  {
    key: 'log.cleaner.delete.retention.ms',
    kind: 'long',
    default: '86400000',
    min: 0,
    doc: 'how long tombstones of compacted topics stay readable',
  },
  {
    key: 'log.cleaner.min.cleanable.ratio',
    kind: 'double',
    default: '0.5',
    doc: 'dirty share of a log before the cleaner compacts it (0 to 1)',
  },
  {
    key: 'log.message.timestamp.type',
    kind: 'enum',
    default: 'CreateTime',
    values: ['CreateTime', 'LogAppendTime'],
    doc: 'timestamp stored in batches',
  },
  {
    key: 'auto.create.topics.enable',
    kind: 'bool',
    default: 'true',
    doc: 'create unknown topics named in Metadata requests',
  },
  { key: 'delete.topic.enable', kind: 'bool', default: 'true', doc: 'allow DeleteTopics' },
  {
    key: 'message.max.bytes',
    kind: 'int',
    default: '1048588',
    min: 0,
    doc: 'largest record batch accepted',
  },
  {
    key: 'socket.request.max.bytes',
    kind: 'int',
    default: '104857600',
    min: 1,
    doc: 'largest request frame accepted',
  },
  {
    key: 'connections.max.idle.ms',
    kind: 'long',
    default: '600000',
    min: -1,
    doc: 'close idle connections after this; -1 = never',
  },
  {
    key: 'queued.max.request.bytes',
    kind: 'long',
    default: '-1',
    min: -1,
    doc: 'request bytes in flight per connection before reads pause; -1 = built-in bound',
  },
  {
    key: 'group.initial.rebalance.delay.ms',
    kind: 'int',
    default: '3000',
    min: 0,
    doc: 'delay of the first rebalance of a new group',
  },
  {
    key: 'group.min.session.timeout.ms',
    kind: 'int',
    default: '6000',
    min: 0,
    doc: 'smallest session timeout a member may ask for',
  },
  {
    key: 'group.max.session.timeout.ms',
    kind: 'int',
    default: '1800000',
    min: 0,
    doc: 'largest session timeout a member may ask for',
  },
  {
    key: 'offsets.topic.num.partitions',
    kind: 'int',
    default: '50',
    min: 1,
    doc: 'partitions of __consumer_offsets',
  },
  {
    key: 'offsets.retention.minutes',
    kind: 'int',
    default: '10080',
    min: 1,
    doc: 'how long committed offsets of empty groups live',
  },
  {
    key: 'samsa.tcp.congestion',
    kind: 'string',
    default: '',
    doc: 'TCP congestion algorithm for client sockets (empty = kernel default)',
  },
  {
    key: 'metadata.store',
    kind: 'string',
    default: '',
    doc: 'cluster mode: etcd://host:port[,host:port] holding membership and partition state (empty = single node)',
  },
  {
    key: 'broker.rack',
    kind: 'string',
    default: null,
    doc: 'rack of this broker (replica placement)',
  },
  {
    key: 'samsa.broker.session.timeout.ms',
    kind: 'int',
    default: '6000',
    min: 1000,
    doc: 'cluster mode: a broker whose etcd lease is not renewed for this long is considered dead',
  },
  {
    key: 'replica.lag.time.max.ms',
    kind: 'long',
    default: '30000',
    min: 1,
    doc: 'a follower not caught up for this long leaves the ISR',
  },
  {
    key: 'unclean.leader.election.enable',
    kind: 'bool',
    default: 'false',
    doc: 'let an out-of-sync replica lead when no ISR member is alive (may lose data)',
  },
  {
    key: 'offsets.topic.replication.factor',
    kind: 'int',
    default: '3',
    min: 1,
    doc: 'replication factor of __consumer_offsets (cluster mode; capped at the live brokers)',
  },
  {
    key: 'auto.leader.rebalance.enable',
    kind: 'bool',
    default: 'true',
    doc: 'cluster mode: move leadership back to the preferred replica when it is in sync',
  },
  {
    key: 'leader.imbalance.check.interval.seconds',
    kind: 'long',
    default: '300',
    min: 1,
    doc: 'cluster mode: how often the controller checks for preferred-leader moves',
  },
  {
    key: 'admin.listener',
    kind: 'string',
    default: '127.0.0.1:9644',
    doc: 'host:port of the admin HTTP listener (metrics, health, dashboard); empty = off',
  },
]

/** Other names Kafka accepts for the same key. */
export const KEY_ALIASES: Readonly<Record<string, string>> = {
  'broker.id': 'node.id',
}

/**
 * Keys common in Kafka's stock server.properties that have no effect here (threads are Node's,
 * ZooKeeper/KRaft settings do not apply). They get a warning that says so, not "unknown key".
 */
export const NO_EFFECT_KEYS: ReadonlySet<string> = new Set([
  'num.network.threads',
  'num.io.threads',
  'socket.send.buffer.bytes',
  'socket.receive.buffer.bytes',
  'zookeeper.connect',
  'zookeeper.connection.timeout.ms',
  'process.roles',
  'controller.quorum.voters',
  'controller.quorum.bootstrap.servers',
  'controller.listener.names',
  'inter.broker.listener.name',
  'transaction.state.log.replication.factor',
  'transaction.state.log.min.isr',
  'share.coordinator.state.topic.replication.factor',
  'share.coordinator.state.topic.min.isr',
])

export const KEY_DEF_BY_NAME: ReadonlyMap<string, KeyDef> = new Map(KEY_DEFS.map((d) => [d.key, d]))

/** SAMSA_LOG_DIRS <-> log.dirs: dots become underscores, upper case. */
export function envNameOf(key: string): string {
  return 'SAMSA_' + key.replace(/[.-]/g, '_').toUpperCase()
}

export const MS_PER_HOUR = HOUR_MS
