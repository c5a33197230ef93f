// ListOffsets in cluster mode: only the leader answers, fenced by the client's leader epoch, and
// offsets carry the epoch of the leader that wrote them.
import { afterEach, describe, expect, it } from 'vitest'
import type { KafkaConnection } from '../../../src/admin/client/connection.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import {
  ListOffsetsRequestSchema,
  ListOffsetsResponseSchema,
} from '../../../src/protocol/messages/list-offsets.js'
import type {
  ListOffsetsRequest,
  ListOffsetsResponse,
  ListOffsetsResponsePartition,
} from '../../../src/protocol/messages/list-offsets.js'
import { FakeCluster } from './fake-control.js'
import { connect, produce, startNode, until, values } from './helpers.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function listOffset(
  conn: KafkaConnection,
  timestamp: number,
  currentLeaderEpoch: number,
): Promise<ListOffsetsResponsePartition> {
  const res = await conn.send<ListOffsetsRequest, ListOffsetsResponse>(
    ListOffsetsRequestSchema,
    ListOffsetsResponseSchema,
    {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: 't',
          partitions: [{ partitionIndex: 0, currentLeaderEpoch, timestamp, maxNumOffsets: 1 }],
        },
      ],
    },
  )
  return res.topics[0].partitions[0]
}

describe('ListOffsets in cluster mode', () => {
  it('answers from the leader with real epochs; fences stale epochs; followers refuse', async () => {
    const cluster = new FakeCluster()
    const n1 = await startNode(cluster, 1)
    cleanups.push(() => n1.close())
    const n2 = await startNode(cluster, 2)
    cleanups.push(() => n2.close())
    const base = { topic: 't', partition: 0, replicas: [1, 2] }
    cluster.set({ ...base, leader: 1, leaderEpoch: 3, isr: [1, 2] })
    const c1 = await connect(n1)
    cleanups.push(() => c1.close())
    const c2 = await connect(n2)
    cleanups.push(() => c2.close())
    expect((await produce(c1, 't', values('a', 4, 0, 3), -1)).errorCode).toBe(ErrorCode.NONE)

    expect(await listOffset(c1, -1, 3)).toMatchObject({ errorCode: 0, offset: 4, leaderEpoch: 3 })
    expect(await listOffset(c1, -2, -1)).toMatchObject({ errorCode: 0, offset: 0, leaderEpoch: 3 })
    expect((await listOffset(c1, -1, 2)).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH)
    expect((await listOffset(c1, -1, 4)).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH)
    expect((await listOffset(c2, -1, -1)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect((await listOffset(c2, -1, 3)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)

    // Leadership moves to broker 2 at epoch 5: the old epoch is fenced there, the new one works,
    // and the earliest offset still reports the epoch that wrote it.
    await until(() => n2.broker.services.logs.get('t', 0)?.logEndOffset === 4)
    cluster.set({ ...base, leader: 2, leaderEpoch: 5, isr: [1, 2] })
    expect((await produce(c2, 't', values('b', 2, 0, 5), -1)).errorCode).toBe(ErrorCode.NONE)
    expect((await listOffset(c2, -1, 3)).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH)
    expect(await listOffset(c2, -1, 5)).toMatchObject({ errorCode: 0, offset: 6, leaderEpoch: 5 })
    expect(await listOffset(c2, -2, 5)).toMatchObject({ errorCode: 0, offset: 0, leaderEpoch: 3 })
    expect((await listOffset(c1, -1, 5)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
  })
})
