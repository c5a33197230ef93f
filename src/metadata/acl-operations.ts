// Authorized-operations bitfields (KIP-430) for Metadata v8+ and DescribeCluster. There are no
// ACLs, so a client may do everything the resource type supports (Kafka's answer without an
// authorizer). Bit n = AclOperation code n.

const READ = 3
const WRITE = 4
const CREATE = 5
const DELETE = 6
const ALTER = 7
const DESCRIBE = 8
const CLUSTER_ACTION = 9
const DESCRIBE_CONFIGS = 10
const ALTER_CONFIGS = 11
const IDEMPOTENT_WRITE = 12

function bits(ops: readonly number[]): number {
  let v = 0
  for (const op of ops) v |= 1 << op
  return v
}

/** "Not requested" in the response (Integer.MIN_VALUE). */
export const NOT_REQUESTED = -2147483648

export const TOPIC_OPERATIONS = bits([
  READ,
  WRITE,
  CREATE,
  DELETE,
  ALTER,
  DESCRIBE,
  DESCRIBE_CONFIGS,
  ALTER_CONFIGS,
])

export const CLUSTER_OPERATIONS = bits([
  CREATE,
  CLUSTER_ACTION,
  DESCRIBE_CONFIGS,
  ALTER_CONFIGS,
  IDEMPOTENT_WRITE,
  ALTER,
  DESCRIBE,
])
