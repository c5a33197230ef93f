// Partition reassignment requests for the admin tools (AlterPartitionReassignments,
// ListPartitionReassignments); any broker answers them.

import { check, ClientError } from './client.js'
import type { AdminClient } from './client.js'
import {
  AlterPartitionReassignmentsRequestSchema,
  AlterPartitionReassignmentsResponseSchema,
} from '../../protocol/messages/alter-partition-reassignments.js'
import type {
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
} from '../../protocol/messages/alter-partition-reassignments.js'
import {
  ListPartitionReassignmentsRequestSchema,
  ListPartitionReassignmentsResponseSchema,
} from '../../protocol/messages/list-partition-reassignments.js'
import type {
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
} from '../../protocol/messages/list-partition-reassignments.js'

export interface PartitionReassignment {
  topic: string
  partition: number
  replicas: number[]
  addingReplicas: number[]
  removingReplicas: number[]
}

/** Starts (replicas) or cancels (null) the reassignment of one partition; throws on an error. */
export async function alterReassignment(
  c: AdminClient,
  topic: string,
  partition: number,
  replicas: number[] | null,
): Promise<void> {
  const res = await c.request<
    AlterPartitionReassignmentsRequest,
    AlterPartitionReassignmentsResponse
  >(AlterPartitionReassignmentsRequestSchema, AlterPartitionReassignmentsResponseSchema, {
    timeoutMs: 30_000,
    topics: [{ name: topic, partitions: [{ partitionIndex: partition, replicas }] }],
  })
  check(res.errorCode, 'AlterPartitionReassignments', res.errorMessage)
  const p = res.responses[0]?.partitions[0]
  if (p === undefined) throw new ClientError('AlterPartitionReassignments returned no result')
  check(p.errorCode, `cannot reassign ${topic}-${partition}`, p.errorMessage)
}

/** Ongoing reassignments (all of them when topics is null). */
export async function listReassignments(
  c: AdminClient,
  topics: { name: string; partitionIndexes: number[] }[] | null = null,
): Promise<PartitionReassignment[]> {
  const res = await c.request<
    ListPartitionReassignmentsRequest,
    ListPartitionReassignmentsResponse
  >(ListPartitionReassignmentsRequestSchema, ListPartitionReassignmentsResponseSchema, {
    timeoutMs: 30_000,
    topics,
  })
  check(res.errorCode, 'ListPartitionReassignments', res.errorMessage)
  return res.topics.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.name,
      partition: p.partitionIndex,
      replicas: p.replicas,
      addingReplicas: p.addingReplicas,
      removingReplicas: p.removingReplicas,
    })),
  )
}
