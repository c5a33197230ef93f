// Kafka error codes: the one table of names, numeric codes and whether a client may retry.
// Numbers and names follow Kafka's protocol (ErrorCodes); the short texts are our own words.

interface ErrorInfo {
  readonly code: number
  readonly retriable: boolean
  readonly text: string
}

const table = {
  UNKNOWN_SERVER_ERROR: { code: -1, retriable: false, text: 'unexpected server error' },
  NONE: { code: 0, retriable: false, text: '' },
  OFFSET_OUT_OF_RANGE: { code: 1, retriable: false, text: 'offset outside the log' },
  CORRUPT_MESSAGE: { code: 2, retriable: true, text: 'record batch failed validation' },
  UNKNOWN_TOPIC_OR_PARTITION: { code: 3, retriable: true, text: 'no such topic or partition' },
  INVALID_FETCH_SIZE: { code: 4, retriable: false, text: 'invalid fetch size' },
  LEADER_NOT_AVAILABLE: { code: 5, retriable: true, text: 'no leader right now' },
  NOT_LEADER_OR_FOLLOWER: { code: 6, retriable: true, text: 'not the leader of this partition' },
  REQUEST_TIMED_OUT: { code: 7, retriable: true, text: 'request timed out' },
  BROKER_NOT_AVAILABLE: { code: 8, retriable: false, text: 'broker not available' },
  REPLICA_NOT_AVAILABLE: { code: 9, retriable: true, text: 'replica not available' },
  MESSAGE_TOO_LARGE: { code: 10, retriable: false, text: 'batch larger than max.message.bytes' },
  STALE_CONTROLLER_EPOCH: { code: 11, retriable: false, text: 'stale controller epoch' },
  OFFSET_METADATA_TOO_LARGE: { code: 12, retriable: false, text: 'offset metadata too large' },
  NETWORK_EXCEPTION: { code: 13, retriable: true, text: 'network error' },
  COORDINATOR_LOAD_IN_PROGRESS: { code: 14, retriable: true, text: 'coordinator is loading' },
  COORDINATOR_NOT_AVAILABLE: { code: 15, retriable: true, text: 'coordinator not available' },
  NOT_COORDINATOR: { code: 16, retriable: true, text: 'not the coordinator' },
  INVALID_TOPIC_EXCEPTION: { code: 17, retriable: false, text: 'invalid topic name' },
  RECORD_LIST_TOO_LARGE: { code: 18, retriable: false, text: 'record list too large' },
  NOT_ENOUGH_REPLICAS: { code: 19, retriable: true, text: 'fewer in-sync replicas than required' },
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: {
    code: 20,
    retriable: true,
    text: 'appended, but in-sync replicas fell short',
  },
  INVALID_REQUIRED_ACKS: { code: 21, retriable: false, text: 'invalid acks value' },
  ILLEGAL_GENERATION: { code: 22, retriable: false, text: 'illegal generation' },
  INCONSISTENT_GROUP_PROTOCOL: { code: 23, retriable: false, text: 'inconsistent group protocol' },
  INVALID_GROUP_ID: { code: 24, retriable: false, text: 'invalid group id' },
  UNKNOWN_MEMBER_ID: { code: 25, retriable: false, text: 'unknown member id' },
  INVALID_SESSION_TIMEOUT: { code: 26, retriable: false, text: 'invalid session timeout' },
  REBALANCE_IN_PROGRESS: { code: 27, retriable: false, text: 'rebalance in progress' },
  INVALID_COMMIT_OFFSET_SIZE: { code: 28, retriable: false, text: 'invalid commit offset size' },
  TOPIC_AUTHORIZATION_FAILED: { code: 29, retriable: false, text: 'topic authorization failed' },
  GROUP_AUTHORIZATION_FAILED: { code: 30, retriable: false, text: 'group authorization failed' },
  CLUSTER_AUTHORIZATION_FAILED: {
    code: 31,
    retriable: false,
    text: 'cluster authorization failed',
  },
  INVALID_TIMESTAMP: { code: 32, retriable: false, text: 'timestamp out of range' },
  UNSUPPORTED_SASL_MECHANISM: { code: 33, retriable: false, text: 'unsupported SASL mechanism' },
  ILLEGAL_SASL_STATE: { code: 34, retriable: false, text: 'illegal SASL state' },
  UNSUPPORTED_VERSION: { code: 35, retriable: false, text: 'unsupported API version' },
  TOPIC_ALREADY_EXISTS: { code: 36, retriable: false, text: 'topic already exists' },
  INVALID_PARTITIONS: { code: 37, retriable: false, text: 'invalid partition count' },
  INVALID_REPLICATION_FACTOR: { code: 38, retriable: false, text: 'invalid replication factor' },
  INVALID_REPLICA_ASSIGNMENT: { code: 39, retriable: false, text: 'invalid replica assignment' },
  INVALID_CONFIG: { code: 40, retriable: false, text: 'invalid configuration' },
  NOT_CONTROLLER: { code: 41, retriable: true, text: 'not the controller' },
  INVALID_REQUEST: { code: 42, retriable: false, text: 'invalid request' },
  UNSUPPORTED_FOR_MESSAGE_FORMAT: {
    code: 43,
    retriable: false,
    text: 'unsupported for message format',
  },
  POLICY_VIOLATION: { code: 44, retriable: false, text: 'policy violation' },
  OUT_OF_ORDER_SEQUENCE_NUMBER: {
    code: 45,
    retriable: false,
    text: 'out of order sequence number',
  },
  DUPLICATE_SEQUENCE_NUMBER: { code: 46, retriable: false, text: 'duplicate sequence number' },
  INVALID_PRODUCER_EPOCH: { code: 47, retriable: false, text: 'invalid producer epoch' },
  INVALID_TXN_STATE: { code: 48, retriable: false, text: 'invalid transaction state' },
  INVALID_PRODUCER_ID_MAPPING: { code: 49, retriable: false, text: 'invalid producer id mapping' },
  INVALID_TRANSACTION_TIMEOUT: { code: 50, retriable: false, text: 'invalid transaction timeout' },
  CONCURRENT_TRANSACTIONS: { code: 51, retriable: true, text: 'concurrent transactions' },
  TRANSACTION_COORDINATOR_FENCED: {
    code: 52,
    retriable: false,
    text: 'transaction coordinator fenced',
  },
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: {
    code: 53,
    retriable: false,
    text: 'transactional id authorization failed',
  },
  SECURITY_DISABLED: { code: 54, retriable: false, text: 'security disabled' },
  OPERATION_NOT_ATTEMPTED: { code: 55, retriable: false, text: 'operation not attempted' },
  KAFKA_STORAGE_ERROR: { code: 56, retriable: true, text: 'storage error on the log directory' },
  LOG_DIR_NOT_FOUND: { code: 57, retriable: false, text: 'log directory not found' },
  SASL_AUTHENTICATION_FAILED: { code: 58, retriable: false, text: 'SASL authentication failed' },
  UNKNOWN_PRODUCER_ID: { code: 59, retriable: false, text: 'unknown producer id' },
  REASSIGNMENT_IN_PROGRESS: { code: 60, retriable: false, text: 'reassignment in progress' },
  DELEGATION_TOKEN_AUTH_DISABLED: {
    code: 61,
    retriable: false,
    text: 'delegation tokens disabled',
  },
  DELEGATION_TOKEN_NOT_FOUND: { code: 62, retriable: false, text: 'delegation token not found' },
  DELEGATION_TOKEN_OWNER_MISMATCH: {
    code: 63,
    retriable: false,
    text: 'delegation token owner mismatch',
  },
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: {
    code: 64,
    retriable: false,
    text: 'delegation token request not allowed',
  },
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: {
    code: 65,
    retriable: false,
    text: 'delegation token authorization failed',
  },
  DELEGATION_TOKEN_EXPIRED: { code: 66, retriable: false, text: 'delegation token expired' },
  INVALID_PRINCIPAL_TYPE: { code: 67, retriable: false, text: 'invalid principal type' },
  NON_EMPTY_GROUP: { code: 68, retriable: false, text: 'group is not empty' },
  GROUP_ID_NOT_FOUND: { code: 69, retriable: false, text: 'group id not found' },
  FETCH_SESSION_ID_NOT_FOUND: { code: 70, retriable: true, text: 'fetch session not found' },
  INVALID_FETCH_SESSION_EPOCH: { code: 71, retriable: true, text: 'invalid fetch session epoch' },
  LISTENER_NOT_FOUND: { code: 72, retriable: true, text: 'listener not found' },
  TOPIC_DELETION_DISABLED: { code: 73, retriable: false, text: 'topic deletion disabled' },
  FENCED_LEADER_EPOCH: { code: 74, retriable: true, text: 'leader epoch older than the broker’s' },
  UNKNOWN_LEADER_EPOCH: { code: 75, retriable: true, text: 'leader epoch newer than the broker’s' },
  UNSUPPORTED_COMPRESSION_TYPE: {
    code: 76,
    retriable: false,
    text: 'unsupported compression type',
  },
  STALE_BROKER_EPOCH: { code: 77, retriable: false, text: 'stale broker epoch' },
  OFFSET_NOT_AVAILABLE: { code: 78, retriable: true, text: 'offset not available yet' },
  MEMBER_ID_REQUIRED: {
    code: 79,
    retriable: false,
    text: 'member id required: join again with it',
  },
  PREFERRED_LEADER_NOT_AVAILABLE: {
    code: 80,
    retriable: true,
    text: 'preferred leader not available',
  },
  GROUP_MAX_SIZE_REACHED: { code: 81, retriable: false, text: 'group is full' },
  FENCED_INSTANCE_ID: {
    code: 82,
    retriable: false,
    text: 'static member fenced by a newer instance',
  },
  ELIGIBLE_LEADERS_NOT_AVAILABLE: {
    code: 83,
    retriable: true,
    text: 'eligible leaders not available',
  },
  ELECTION_NOT_NEEDED: { code: 84, retriable: true, text: 'election not needed' },
  NO_REASSIGNMENT_IN_PROGRESS: { code: 85, retriable: false, text: 'no reassignment in progress' },
  GROUP_SUBSCRIBED_TO_TOPIC: { code: 86, retriable: false, text: 'group subscribed to topic' },
  INVALID_RECORD: { code: 87, retriable: false, text: 'record failed validation' },
  UNSTABLE_OFFSET_COMMIT: { code: 88, retriable: true, text: 'unstable offset commit' },
  THROTTLING_QUOTA_EXCEEDED: { code: 89, retriable: true, text: 'throttling quota exceeded' },
  PRODUCER_FENCED: { code: 90, retriable: false, text: 'producer fenced by a newer epoch' },
  RESOURCE_NOT_FOUND: { code: 91, retriable: false, text: 'resource not found' },
  DUPLICATE_RESOURCE: { code: 92, retriable: false, text: 'duplicate resource' },
  UNACCEPTABLE_CREDENTIAL: { code: 93, retriable: false, text: 'unacceptable credential' },
  INCONSISTENT_VOTER_SET: { code: 94, retriable: false, text: 'inconsistent voter set' },
  INVALID_UPDATE_VERSION: { code: 95, retriable: false, text: 'invalid update version' },
  FEATURE_UPDATE_FAILED: { code: 96, retriable: false, text: 'feature update failed' },
  PRINCIPAL_DESERIALIZATION_FAILURE: {
    code: 97,
    retriable: false,
    text: 'principal deserialization failure',
  },
  SNAPSHOT_NOT_FOUND: { code: 98, retriable: false, text: 'snapshot not found' },
  POSITION_OUT_OF_RANGE: { code: 99, retriable: false, text: 'position out of range' },
  UNKNOWN_TOPIC_ID: { code: 100, retriable: true, text: 'unknown topic id' },
  DUPLICATE_BROKER_REGISTRATION: {
    code: 101,
    retriable: false,
    text: 'duplicate broker registration',
  },
  BROKER_ID_NOT_REGISTERED: { code: 102, retriable: false, text: 'broker id not registered' },
  INCONSISTENT_TOPIC_ID: { code: 103, retriable: true, text: 'inconsistent topic id' },
  INCONSISTENT_CLUSTER_ID: { code: 104, retriable: false, text: 'inconsistent cluster id' },
  TRANSACTIONAL_ID_NOT_FOUND: { code: 105, retriable: false, text: 'transactional id not found' },
  FETCH_SESSION_TOPIC_ID_ERROR: {
    code: 106,
    retriable: true,
    text: 'fetch session topic id error',
  },
  INELIGIBLE_REPLICA: { code: 107, retriable: false, text: 'ineligible replica' },
  NEW_LEADER_ELECTED: { code: 108, retriable: false, text: 'new leader elected' },
  OFFSET_MOVED_TO_TIERED_STORAGE: {
    code: 109,
    retriable: false,
    text: 'offset moved to tiered storage',
  },
  FENCED_MEMBER_EPOCH: { code: 110, retriable: false, text: 'fenced member epoch' },
  UNRELEASED_INSTANCE_ID: { code: 111, retriable: false, text: 'unreleased instance id' },
  UNSUPPORTED_ASSIGNOR: { code: 112, retriable: false, text: 'unsupported assignor' },
  STALE_MEMBER_EPOCH: { code: 113, retriable: false, text: 'stale member epoch' },
  MISMATCHED_ENDPOINT_TYPE: { code: 114, retriable: false, text: 'mismatched endpoint type' },
  UNSUPPORTED_ENDPOINT_TYPE: { code: 115, retriable: false, text: 'unsupported endpoint type' },
  UNKNOWN_CONTROLLER_ID: { code: 116, retriable: false, text: 'unknown controller id' },
} as const satisfies Record<string, ErrorInfo>

export type ErrorName = keyof typeof table

/** Numeric Kafka error code for a name: `ErrorCode.OFFSET_OUT_OF_RANGE === 1`. */
export const ErrorCode: { readonly [K in ErrorName]: (typeof table)[K]['code'] } =
  Object.fromEntries(Object.entries(table).map(([name, info]) => [name, info.code])) as {
    readonly [K in ErrorName]: (typeof table)[K]['code']
  }

const byCode = new Map<number, ErrorName>()
for (const [name, info] of Object.entries(table)) byCode.set(info.code, name as ErrorName)

export function errorName(code: number): ErrorName | `UNKNOWN_ERROR_CODE_${number}` {
  return byCode.get(code) ?? `UNKNOWN_ERROR_CODE_${code}`
}

export function isRetriable(code: number): boolean {
  const name = byCode.get(code)
  return name === undefined ? false : table[name].retriable
}

/**
 * An error that maps to one Kafka error code. Services throw it; handlers put `code` into the
 * response field for the affected topic, partition or resource.
 */
export class KafkaError extends Error {
  readonly code: number
  readonly errorName: ErrorName
  constructor(name: ErrorName, detail?: string) {
    super(detail === undefined ? `${name}: ${table[name].text}` : `${name}: ${detail}`)
    this.name = 'KafkaError'
    this.errorName = name
    this.code = table[name].code
  }
  get retriable(): boolean {
    return table[this.errorName].retriable
  }
}

/** The Kafka code for any thrown value: KafkaError keeps its code, anything else is UNKNOWN_SERVER_ERROR. */
export function errorCodeOf(err: unknown): number {
  return err instanceof KafkaError ? err.code : table.UNKNOWN_SERVER_ERROR.code
}
