// Kafka API keys and their names, as in Kafka's ApiKeys / message JSON (names without the
// Request/Response suffix).

const NAMES = [
  'Produce',
  'Fetch',
  'ListOffsets',
  'Metadata',
  'LeaderAndIsr',
  'StopReplica',
  'UpdateMetadata',
  'ControlledShutdown',
  'OffsetCommit',
  'OffsetFetch',
  'FindCoordinator',
  'JoinGroup',
  'Heartbeat',
  'LeaveGroup',
  'SyncGroup',
  'DescribeGroups',
  'ListGroups',
  'SaslHandshake',
  'ApiVersions',
  'CreateTopics',
  'DeleteTopics',
  'DeleteRecords',
  'InitProducerId',
  'OffsetForLeaderEpoch',
  'AddPartitionsToTxn',
  'AddOffsetsToTxn',
  'EndTxn',
  'WriteTxnMarkers',
  'TxnOffsetCommit',
  'DescribeAcls',
  'CreateAcls',
  'DeleteAcls',
  'DescribeConfigs',
  'AlterConfigs',
  'AlterReplicaLogDirs',
  'DescribeLogDirs',
  'SaslAuthenticate',
  'CreatePartitions',
  'CreateDelegationToken',
  'RenewDelegationToken',
  'ExpireDelegationToken',
  'DescribeDelegationToken',
  'DeleteGroups',
  'ElectLeaders',
  'IncrementalAlterConfigs',
  'AlterPartitionReassignments',
  'ListPartitionReassignments',
  'OffsetDelete',
  'DescribeClientQuotas',
  'AlterClientQuotas',
  'DescribeUserScramCredentials',
  'AlterUserScramCredentials',
  'Vote',
  'BeginQuorumEpoch',
  'EndQuorumEpoch',
  'DescribeQuorum',
  'AlterPartition',
  'UpdateFeatures',
  'Envelope',
  'FetchSnapshot',
  'DescribeCluster',
  'DescribeProducers',
  'BrokerRegistration',
  'BrokerHeartbeat',
  'UnregisterBroker',
  'DescribeTransactions',
  'ListTransactions',
  'AllocateProducerIds',
  'ConsumerGroupHeartbeat',
  'ConsumerGroupDescribe',
  'ControllerRegistration',
  'GetTelemetrySubscriptions',
  'PushTelemetry',
  'AssignReplicasToDirs',
  'ListClientMetricsResources',
  'DescribeTopicPartitions',
] as const

export type ApiName = (typeof NAMES)[number]

/** Numeric key for each API name: `ApiKey.Produce === 0`. */
export const ApiKey = Object.fromEntries(NAMES.map((n, i) => [n, i])) as {
  readonly [K in ApiName]: number
}

/** All known keys in order. */
export const API_KEYS: readonly number[] = NAMES.map((_, i) => i)

/** The API's name, or `Unknown(<key>)` for keys this table does not know. */
export function apiName(key: number): string {
  return (Number.isInteger(key) && NAMES[key]) || `Unknown(${key})`
}

export function apiKeyOf(name: string): number | undefined {
  const i = (NAMES as readonly string[]).indexOf(name)
  return i < 0 ? undefined : i
}
