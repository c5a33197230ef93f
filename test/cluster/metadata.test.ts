// Three real broker processes in cluster mode against one etcd: a topic created through one
// broker (KafkaJS admin, RF 3) is visible with spread leaders and a full ISR from every broker,
// kcat lists all three brokers, a killed broker's leaderships move to the others, and producer ids
// are unique across the brokers.
import { Kafka, logLevel } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { partitionForGroup } from '../../src/group/records.js'
import {
  CreatePartitionsRequestSchema,
  CreatePartitionsResponseSchema,
} from '../../src/protocol/messages/create-partitions.js'
import type {
  CreatePartitionsRequest,
  CreatePartitionsResponse,
} from '../../src/protocol/messages/create-partitions.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import {
  InitProducerIdRequestSchema,
  InitProducerIdResponseSchema,
} from '../../src/protocol/messages/init-producer-id.js'
import type {
  InitProducerIdRequest,
  InitProducerIdResponse,
} from '../../src/protocol/messages/init-producer-id.js'
import { startBrokerProcess } from '../helpers/broker-process.js'
import { runKcat } from '../helpers/kcat.js'
import {
  consume,
  createTopic,
  findCoordinator,
  metadataFrom,
  produce,
  until,
  useCluster,
  withAdmin,
} from './fixture.js'
import type { PartitionMeta } from './fixture.js'

const fx = useCluster(3)

/** Partitions of `topic` as `bootstrap` sees them, in partition order. */
async function partitionsOf(bootstrap: string, topic: string): Promise<PartitionMeta[]> {
  const parts = (await metadataFrom(bootstrap, [topic])).topics[0]?.partitions ?? []
  return [...parts].sort((a, b) => a.partitionIndex - b.partitionIndex)
}

describe('cluster metadata', () => {
  it('a topic created through one broker shows spread leaders and full ISR everywhere', async () => {
    const first = fx.cluster.brokers[0]
    if (first === undefined) throw new Error('no broker')
    const kafka = new Kafka({
      clientId: 'cluster-md',
      brokers: [first.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 100 },
    })
    const admin = kafka.admin()
    await admin.connect()
    try {
      const created = await admin.createTopics({
        topics: [{ topic: 'replicated', numPartitions: 3, replicationFactor: 3 }],
        waitForLeaders: true,
      })
      expect(created).toBe(true)
      const refused: unknown = await admin
        .createTopics({ topics: [{ topic: 'too-wide', numPartitions: 1, replicationFactor: 4 }] })
        .then(
          () => null,
          (e: unknown) => e,
        )
      // KafkaJS aggregates per-topic errors; the one here must be the broker's refusal.
      const errors = (refused as { errors?: Array<{ type?: string }> } | null)?.errors ?? []
      expect(errors.map((e) => e.type)).toEqual(['INVALID_REPLICATION_FACTOR'])
    } finally {
      await admin.disconnect()
    }
    for (const b of fx.cluster.brokers) {
      const md = await until(`metadata from ${b.bootstrap}`, async () => {
        const res = await metadataFrom(b.bootstrap, ['replicated'])
        return res.topics[0]?.partitions.length === 3 ? res : undefined
      })
      expect(md.brokers.map((x) => x.nodeId).sort()).toEqual([1, 2, 3])
      expect([1, 2, 3]).toContain(md.controllerId)
      const parts = md.topics[0]?.partitions ?? []
      expect(new Set(parts.map((p) => p.leaderId))).toEqual(new Set([1, 2, 3]))
      for (const p of parts) {
        expect(p.errorCode).toBe(0)
        expect([...p.replicaNodes].sort()).toEqual([1, 2, 3])
        expect([...p.isrNodes].sort()).toEqual([1, 2, 3])
        expect(p.offlineReplicas).toEqual([])
        expect(p.leaderId).toBe(p.replicaNodes[0])
      }
    }
  })

  it('kcat -L against any broker lists all three brokers', async () => {
    for (const b of fx.cluster.brokers) {
      const { stdout } = await runKcat(b.bootstrap, ['-L'])
      expect(stdout).toMatch(/3 brokers:/)
      for (const other of fx.cluster.brokers) expect(stdout).toContain(`:${other.port}`)
    }
  })

  it('refuses to start a broker whose node.id a live broker holds', async () => {
    const attempt = startBrokerProcess({
      set: {
        'node.id': '2',
        'cluster.id': fx.cluster.clusterId,
        'metadata.store': fx.etcd.url,
        'samsa.broker.session.timeout.ms': '2000',
      },
      startTimeoutMs: 20_000,
    })
    await expect(attempt).rejects.toThrow(/node\.id 2 is already registered/)
  })

  it("answers FindCoordinator with the leader of the group's offsets partition", async () => {
    const first = fx.cluster.brokers[0]
    if (first === undefined) throw new Error('no broker')
    const kafka = new Kafka({
      clientId: 'fc',
      brokers: [first.bootstrap],
      logLevel: logLevel.NOTHING,
    })
    const admin = kafka.admin()
    await admin.connect()
    try {
      // describeGroups asks FindCoordinator first; an unknown group is answered by its coordinator.
      const res = await admin.describeGroups(['some-group'])
      expect(res.groups[0]?.state).toBe('Dead')
    } finally {
      await admin.disconnect()
    }
    const md = await metadataFrom(first.bootstrap, ['__consumer_offsets'])
    const parts = md.topics[0]?.partitions ?? []
    expect(parts).toHaveLength(6)
    for (const group of ['g-a', 'g-b', 'g-c', 'g-d']) {
      const leader = parts.find((p) => p.partitionIndex === partitionForGroup(group, 6))?.leaderId
      for (const b of fx.cluster.brokers.slice(0, 2)) {
        const res = await findCoordinator(b.bootstrap, group)
        expect(res.errorCode).toBe(0)
        expect(res.nodeId).toBe(leader)
        expect(res.port).toBe(fx.cluster.brokers[(leader ?? 0) - 1]?.port)
      }
    }
  })

  it('hands out producer ids no other broker of the cluster hands out', async () => {
    const ids: number[] = []
    for (let round = 0; round < 2; round++) {
      for (const b of fx.cluster.brokers) {
        const res = await withAdmin(b.bootstrap, (c) =>
          c.any.sendAt<InitProducerIdRequest, InitProducerIdResponse>(
            InitProducerIdRequestSchema,
            InitProducerIdResponseSchema,
            4,
            {
              transactionalId: null,
              transactionTimeoutMs: 60_000,
              producerId: -1,
              producerEpoch: -1,
            },
          ),
        )
        expect(res.errorCode).toBe(0)
        ids.push(res.producerId)
      }
    }
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('moves the leaderships of a killed broker to live ISR members', async () => {
    const victim = fx.cluster.brokers[2]
    const survivor = fx.cluster.brokers[0]
    if (victim === undefined || survivor === undefined) throw new Error('no broker')
    await victim.kill9()
    const md = await until('failover', async () => {
      const res = await metadataFrom(survivor.bootstrap, ['replicated'])
      const parts = res.topics[0]?.partitions ?? []
      // The controller moves leaderships and drops the dead follower from other ISRs in
      // separate CAS writes: wait for both before checking the result.
      const moved =
        res.brokers.length === 2 &&
        parts.every((p) => p.leaderId !== 3 && p.leaderId !== -1 && !p.isrNodes.includes(3))
      return moved ? res : undefined
    })
    for (const p of md.topics[0]?.partitions ?? []) {
      expect(p.isrNodes).not.toContain(3)
      expect(p.offlineReplicas).toEqual([3])
    }
  })
})

describe('cluster topic lifecycle', () => {
  it('a killed broker restarted at once re-registers under its node.id', async () => {
    const b = await fx.cluster.restart(2)
    const md = await until('3 brokers again', async () => {
      const res = await metadataFrom(b.bootstrap, null)
      return res.brokers.length === 3 ? res : undefined
    })
    expect(md.brokers.map((x) => x.nodeId).sort()).toEqual([1, 2, 3])
  })

  it('adds partitions and deletes topics on every broker', async () => {
    const first = fx.cluster.brokers[0]
    if (first === undefined) throw new Error('no broker')
    const kafka = new Kafka({
      clientId: 'cluster-lc',
      brokers: [first.bootstrap],
      logLevel: logLevel.NOTHING,
    })
    const admin = kafka.admin()
    await admin.connect()
    try {
      await admin.createTopics({
        topics: [{ topic: 'grow', numPartitions: 1, replicationFactor: 2 }],
      })
      await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 3 }] })
      for (const b of fx.cluster.brokers) {
        await until(`3 partitions on ${b.bootstrap}`, async () => {
          const res = await metadataFrom(b.bootstrap, ['grow'])
          const parts = res.topics[0]?.partitions ?? []
          return parts.length === 3 && parts.every((p) => p.replicaNodes.length === 2)
            ? true
            : undefined
        })
      }
      await admin.deleteTopics({ topics: ['grow'] })
      for (const b of fx.cluster.brokers) {
        await until(`delete seen by ${b.bootstrap}`, async () => {
          const res = await metadataFrom(b.bootstrap, null)
          return res.topics.some((t) => t.name === 'grow') ? undefined : true
        })
      }
    } finally {
      await admin.disconnect()
    }
  })

  it('places partitions on manual assignments (one replication factor per topic), and adds more than etcd takes in one txn', async () => {
    const first = fx.cluster.brokers[0]?.bootstrap ?? ''
    const uneven = await withAdmin(first, (c) =>
      c.createTopics({
        topics: [
          {
            name: 'uneven',
            numPartitions: -1,
            replicationFactor: -1,
            assignments: [
              { partitionIndex: 0, brokerIds: [1, 2] },
              { partitionIndex: 1, brokerIds: [3] },
            ],
            configs: [],
          },
        ],
      }),
    )
    expect(uneven.topics[0]?.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT)
    expect(await createTopic(first, 'placed', { replicationFactor: 2 })).toBe(0)
    const grow = (count: number, assignments: number[][] | null, validateOnly = false) =>
      withAdmin(first, (c) =>
        c.any.sendAt<CreatePartitionsRequest, CreatePartitionsResponse>(
          CreatePartitionsRequestSchema,
          CreatePartitionsResponseSchema,
          3,
          {
            topics: [
              {
                name: 'placed',
                count,
                assignments:
                  assignments === null ? null : assignments.map((brokerIds) => ({ brokerIds })),
              },
            ],
            timeoutMs: 5000,
            validateOnly,
          },
        ),
      ).then((res) => res.results[0]?.errorCode)
    // Kafka's rules: as many replicas as the topic's partitions have, distinct, registered.
    expect(await grow(2, [[1, 2, 3]])).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT)
    expect(await grow(2, [[3, 3]])).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT)
    expect(await grow(2, [[3, 9]])).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT)
    expect(await grow(3, [[3, 1]])).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT)
    expect(
      await grow(
        3,
        [
          [3, 1],
          [2, 3],
        ],
        true,
      ),
    ).toBe(0)
    expect((await partitionsOf(first, 'placed')).length).toBe(1)
    expect(
      await grow(3, [
        [3, 1],
        [2, 3],
      ]),
    ).toBe(0)
    for (const b of fx.cluster.brokers) {
      const parts = await until(`placed partitions on ${b.bootstrap}`, async () => {
        const ps = await partitionsOf(b.bootstrap, 'placed')
        return ps.length === 3 && ps.every((p) => p.leaderId >= 0) ? ps : undefined
      })
      expect(parts.map((p) => [...p.replicaNodes])).toEqual([
        parts[0]?.replicaNodes,
        [3, 1],
        [2, 3],
      ])
    }
    // 200 new partitions: more operations than a default etcd (--max-txn-ops 128) takes at once.
    expect(await grow(203, null)).toBe(0)
    await until('203 partitions with leaders', async () => {
      const ps = await partitionsOf(first, 'placed')
      return ps.length === 203 && ps.every((p) => p.leaderId >= 0 && p.replicaNodes.length === 2)
        ? true
        : undefined
    })
  })

  // Last in the file: from here on the cluster has four brokers.
  it('a broker added online is seen by every broker and takes new partitions', async () => {
    const added = await fx.cluster.restart(3) // index 3: node.id 4, a fresh data dir
    for (const b of fx.cluster.brokers)
      await until(`4 brokers seen by ${b.bootstrap}`, async () => {
        const res = await metadataFrom(b.bootstrap, null)
        return res.brokers.length === 4 ? true : undefined
      })
    const created = await withAdmin(added.bootstrap, (c) =>
      c.createTopics({
        topics: [
          {
            name: 'after-join',
            numPartitions: 8,
            replicationFactor: 2,
            assignments: [],
            configs: [],
          },
        ],
      }),
    )
    expect(created.topics[0]?.errorCode).toBe(0)
    const parts = await until('after-join led everywhere', async () => {
      const res = await metadataFrom(fx.cluster.bootstrap, ['after-join'])
      const p = res.topics[0]?.partitions ?? []
      return p.length === 8 && p.every((x) => x.leaderId > 0 && x.isrNodes.length === 2)
        ? p
        : undefined
    })
    // Spread over all four: the new broker leads some partitions.
    expect(new Set(parts.map((p) => p.leaderId))).toEqual(new Set([1, 2, 3, 4]))
    // 16 replicas over 4 brokers: leaders are round-robin, followers shift, so about 4 each.
    expect(parts.filter((p) => p.replicaNodes.includes(4)).length).toBeGreaterThanOrEqual(3)
    await produce(added.bootstrap, 'after-join', ['joined'])
    expect(await consume(fx.cluster.brokers[0]?.bootstrap ?? '', 'after-join')).toEqual(['joined'])
  })
})
