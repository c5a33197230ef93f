// Consumer-group requests for the admin tools. Group requests go to the group's coordinator
// (FindCoordinator); ListGroups goes to every broker in the metadata.

import { check, ClientError } from './client.js'
import type { AdminClient } from './client.js'
import type { KafkaConnection } from './connection.js'
import {
  FindCoordinatorRequestSchema,
  FindCoordinatorResponseSchema,
} from '../../protocol/messages/find-coordinator.js'
import type {
  FindCoordinatorRequest,
  FindCoordinatorResponse,
} from '../../protocol/messages/find-coordinator.js'
import {
  ListGroupsRequestSchema,
  ListGroupsResponseSchema,
} from '../../protocol/messages/list-groups.js'
import type {
  ListedGroup,
  ListGroupsRequest,
  ListGroupsResponse,
} from '../../protocol/messages/list-groups.js'
import {
  DescribeGroupsRequestSchema,
  DescribeGroupsResponseSchema,
} from '../../protocol/messages/describe-groups.js'
import type {
  DescribedGroup,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
} from '../../protocol/messages/describe-groups.js'
import {
  DeleteGroupsRequestSchema,
  DeleteGroupsResponseSchema,
} from '../../protocol/messages/delete-groups.js'
import type {
  DeleteGroupsRequest,
  DeleteGroupsResponse,
} from '../../protocol/messages/delete-groups.js'
import {
  OffsetFetchRequestSchema,
  OffsetFetchResponseSchema,
} from '../../protocol/messages/offset-fetch.js'
import type {
  OffsetFetchRequest,
  OffsetFetchResponse,
  OffsetFetchResponseTopic,
} from '../../protocol/messages/offset-fetch.js'
import {
  OffsetCommitRequestSchema,
  OffsetCommitResponseSchema,
} from '../../protocol/messages/offset-commit.js'
import type {
  OffsetCommitRequest,
  OffsetCommitResponse,
} from '../../protocol/messages/offset-commit.js'

export interface CommittedOffset {
  topic: string
  partition: number
  offset: number
  metadata: string | null
}

export async function coordinatorOf(
  client: AdminClient,
  groupId: string,
): Promise<KafkaConnection> {
  const conn = client.any
  const version = conn.versionFor(FindCoordinatorRequestSchema)
  const res = await conn.send<Partial<FindCoordinatorRequest>, FindCoordinatorResponse>(
    FindCoordinatorRequestSchema,
    FindCoordinatorResponseSchema,
    { key: groupId, keyType: 0, coordinatorKeys: [groupId] },
  )
  // v4+ answers per key in `coordinators`; older versions in the top-level fields.
  const c =
    version >= 4
      ? res.coordinators[0]
      : { nodeId: res.nodeId, errorCode: res.errorCode, errorMessage: res.errorMessage }
  if (c === undefined) throw new ClientError('FindCoordinator returned no coordinator')
  check(c.errorCode, `find the coordinator of group '${groupId}'`, c.errorMessage)
  await client.metadata([])
  return client.connectionTo(c.nodeId)
}

export async function listGroups(client: AdminClient): Promise<ListedGroup[]> {
  const meta = await client.metadata([])
  const out: ListedGroup[] = []
  for (const b of meta.brokers) {
    const conn = await client.connectionTo(b.nodeId)
    const res = await conn.send<Partial<ListGroupsRequest>, ListGroupsResponse>(
      ListGroupsRequestSchema,
      ListGroupsResponseSchema,
      { statesFilter: [] },
    )
    check(res.errorCode, `list groups on broker ${b.nodeId}`)
    out.push(...res.groups)
  }
  return out.sort((a, b) => a.groupId.localeCompare(b.groupId))
}

export async function describeGroup(client: AdminClient, groupId: string): Promise<DescribedGroup> {
  const conn = await coordinatorOf(client, groupId)
  const res = await conn.send<Partial<DescribeGroupsRequest>, DescribeGroupsResponse>(
    DescribeGroupsRequestSchema,
    DescribeGroupsResponseSchema,
    { groups: [groupId], includeAuthorizedOperations: false },
  )
  const g = res.groups[0]
  if (g === undefined) throw new ClientError('DescribeGroups returned no group')
  check(g.errorCode, `describe group '${groupId}'`)
  return g
}

export async function deleteGroup(client: AdminClient, groupId: string): Promise<void> {
  const conn = await coordinatorOf(client, groupId)
  const res = await conn.send<DeleteGroupsRequest, DeleteGroupsResponse>(
    DeleteGroupsRequestSchema,
    DeleteGroupsResponseSchema,
    { groupsNames: [groupId] },
  )
  for (const r of res.results) {
    if (r.errorCode === 68)
      throw new ClientError(
        `group '${groupId}' is not empty: stop its consumers first, then delete it`,
      )
    check(r.errorCode, `delete group '${groupId}'`)
  }
}

/** Every committed offset of the group. */
export async function fetchOffsets(
  client: AdminClient,
  groupId: string,
): Promise<CommittedOffset[]> {
  const conn = await coordinatorOf(client, groupId)
  const version = conn.versionFor(OffsetFetchRequestSchema)
  const res = await conn.send<Partial<OffsetFetchRequest>, OffsetFetchResponse>(
    OffsetFetchRequestSchema,
    OffsetFetchResponseSchema,
    version >= 8
      ? { groups: [{ groupId, topics: null }], requireStable: false }
      : { groupId, topics: null, requireStable: false },
  )
  let topics: OffsetFetchResponseTopic[]
  if (version >= 8) {
    const g = res.groups[0]
    if (g === undefined) throw new ClientError('OffsetFetch returned no group')
    check(g.errorCode, `fetch offsets of group '${groupId}'`)
    topics = g.topics
  } else {
    check(res.errorCode, `fetch offsets of group '${groupId}'`)
    topics = res.topics
  }
  const out: CommittedOffset[] = []
  for (const t of topics)
    for (const p of t.partitions) {
      check(p.errorCode, `offset of ${t.name}-${p.partitionIndex}`)
      if (p.committedOffset >= 0)
        out.push({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          metadata: p.metadata,
        })
    }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
}

/** Commits offsets as an admin (generation -1, no member id): the group must be empty. */
export async function commitOffsets(
  client: AdminClient,
  groupId: string,
  offsets: readonly CommittedOffset[],
): Promise<void> {
  const conn = await coordinatorOf(client, groupId)
  const byTopic = new Map<string, CommittedOffset[]>()
  for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o])
  const res = await conn.send<OffsetCommitRequest, OffsetCommitResponse>(
    OffsetCommitRequestSchema,
    OffsetCommitResponseSchema,
    {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((o) => ({
          partitionIndex: o.partition,
          committedOffset: o.offset,
          committedLeaderEpoch: -1,
          commitTimestamp: -1,
          committedMetadata: o.metadata,
        })),
      })),
    },
  )
  for (const t of res.topics)
    for (const p of t.partitions) {
      if (p.errorCode === 25 || p.errorCode === 22 || p.errorCode === 27)
        throw new ClientError(
          `group '${groupId}' has active members: stop its consumers before resetting offsets`,
        )
      check(p.errorCode, `commit offset of ${t.name}-${p.partitionIndex}`)
    }
}
