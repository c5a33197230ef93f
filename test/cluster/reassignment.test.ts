// Partition reassignment's control plane against a real etcd with in-process brokers (EtcdStore +
// ClusterView + Controller each): starting one stores replicas = target ++ dropped with the
// adding/removing lists, the controller finishes it only once every target replica is in the
// ISR (moving the leader with an epoch bump when the old one is dropped), a cancel reverts, and
// bad requests are refused. The data plane (catching up, ISR expansion) is simulated here by
// the leader's alterIsr; test/cluster/reassign-e2e.test.ts runs the real thing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterTopicStore } from '../../src/cluster/cluster-topics.js'
import { ClusterView } from '../../src/cluster/cluster-view.js'
import { Controller } from '../../src/cluster/controller.js'
import { EtcdStore } from '../../src/cluster/etcd-store.js'
import {
  Reassignments,
  completeReassignment,
  startReassignment,
} from '../../src/cluster/reassignment.js'
import type { PartitionState } from '../../src/cluster/types.js'
import { handleAlterPartitionReassignments } from '../../src/handlers/45-alter-partition-reassignments.js'
import { handleListPartitionReassignments } from '../../src/handlers/46-list-partition-reassignments.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import type { RequestContext } from '../../src/server/handler.js'
import { startEtcd } from '../helpers/etcd.js'
import type { EtcdServer } from '../helpers/etcd.js'

const base: PartitionState = {
  topic: 't',
  partition: 0,
  replicas: [1, 2],
  leader: 1,
  leaderEpoch: 4,
  isr: [1, 2],
  version: 7,
}

describe('reassignment state transitions', () => {
  it('puts the target first and lists what is added and removed', () => {
    const s = startReassignment(base, [3, 2])
    expect(s.replicas).toEqual([3, 2, 1])
    expect(s.addingReplicas).toEqual([3])
    expect(s.removingReplicas).toEqual([1])
    expect(s.leader).toBe(1)
  })

  it('completes only when every target replica is in the ISR, moving a dropped leader', () => {
    const running = { ...base, ...startReassignment(base, [3, 2]), version: 8 }
    const live = new Set([1, 2, 3])
    expect(completeReassignment(running, live)).toBeNull()
    const done = completeReassignment({ ...running, isr: [1, 2, 3] }, live)
    expect(done).toMatchObject({ replicas: [3, 2], isr: [2, 3], leader: 3, leaderEpoch: 5 })
    expect(done?.addingReplicas).toBeUndefined()
  })

  it('keeps the leader and its epoch when the leader stays', () => {
    const running = { ...base, ...startReassignment(base, [1, 3]), isr: [1, 2, 3], version: 8 }
    expect(completeReassignment(running, new Set([1, 2, 3]))).toMatchObject({
      replicas: [1, 3],
      isr: [1, 3],
      leader: 1,
      leaderEpoch: 4,
    })
  })

  it('a reordering of the same replicas is no reassignment', () => {
    const s = startReassignment(base, [2, 1])
    expect(s.replicas).toEqual([2, 1])
    expect(s.addingReplicas).toBeUndefined()
  })
})

describe('single-node AlterPartitionReassignments / ListPartitionReassignments', () => {
  const ctx = {
    broker: {
      nodeId: 1,
      topics: { get: (name: string) => (name === 'x' ? { name, partitions: 2 } : undefined) },
    },
  } as unknown as RequestContext

  it('accepts the trivial assignment and refuses the rest', async () => {
    const res = await handleAlterPartitionReassignments(
      {
        timeoutMs: 1000,
        topics: [
          {
            name: 'x',
            partitions: [
              { partitionIndex: 0, replicas: [1] },
              { partitionIndex: 1, replicas: [2] },
              { partitionIndex: 1, replicas: null },
              { partitionIndex: 5, replicas: [1] },
            ],
          },
        ],
      },
      ctx,
    )
    expect(res.responses[0]?.partitions.map((p) => p.errorCode)).toEqual([
      ErrorCode.NONE,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ])
    const list = handleListPartitionReassignments({ timeoutMs: 1000, topics: null }, ctx)
    expect(list.topics).toEqual([])
  })
})

describe('reassignment through etcd', () => {
  let etcd: EtcdServer
  const closers: Array<() => Promise<void>> = []
  const prefix = `/samsa/reassign-test-${Date.now()}/`

  interface Node {
    store: EtcdStore
    view: ClusterView
    controller: Controller
  }

  async function startNode(id: number): Promise<Node> {
    const store = new EtcdStore(etcd.url, { prefix })
    const view = new ClusterView(store, id)
    await view.start()
    await store.startSession(2000)
    const info = { nodeId: id, host: '127.0.0.1', port: 9000 + id, rack: null }
    await store.putSessionKey(`brokers/${id}`, JSON.stringify(info), true)
    view.applyBroker(info)
    const controller = new Controller(store, view, {
      preferredLeaderCheckMs: 0,
      autoRebalance: false,
    })
    controller.start()
    closers.push(async () => {
      await controller.stop()
      await view.close()
      await store.close()
    })
    return { store, view, controller }
  }

  async function until<T>(what: string, get: () => T | undefined, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms
    for (;;) {
      const v = get()
      if (v !== undefined) return v
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  beforeAll(async () => {
    etcd = await startEtcd()
  })

  afterAll(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined)
    await etcd?.stop()
  })

  it('adds, waits for the ISR, drops the old leader; cancel reverts', async () => {
    const nodes = [await startNode(1), await startNode(2), await startNode(3)]
    const [n1, n2] = nodes as [Node, Node, Node]
    for (const n of nodes)
      await until('all registrations', () => (n.view.brokers().length === 3 ? true : undefined))
    const topics = new ClusterTopicStore(n1.store, n1.view, () => 1)
    await topics.createPlaced('mv', 2, {}, { assignments: [[1], [1]] })
    const r = new Reassignments(n2.store, n2.view)

    await expect(r.alter('mv', 0, [9])).rejects.toMatchObject({
      errorName: 'INVALID_REPLICA_ASSIGNMENT',
    })
    await expect(r.alter('mv', 0, null)).rejects.toMatchObject({
      errorName: 'NO_REASSIGNMENT_IN_PROGRESS',
    })
    await expect(r.alter('nope', 0, [2])).rejects.toMatchObject({
      errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
    })

    await r.alter('mv', 0, [2])
    const running = await until('the reassignment seen by broker 1', () => {
      const s = n1.view.partitionState('mv', 0)
      return s?.addingReplicas?.length === 1 ? s : undefined
    })
    expect(running).toMatchObject({ replicas: [2, 1], leader: 1, isr: [1] })
    expect(running.removingReplicas).toEqual([1])
    expect(r.list(null)).toEqual([
      { topic: 'mv', partition: 0, replicas: [2, 1], addingReplicas: [2], removingReplicas: [1] },
    ])
    expect(r.list([{ topic: 'mv', partitions: [1] }])).toEqual([])
    // Not in sync yet: the controller leaves it running.
    await new Promise((res) => setTimeout(res, 300))
    expect(n1.view.partitionState('mv', 0)?.addingReplicas).toEqual([2])

    // The leader (broker 1) sees broker 2 caught up and adds it to the ISR.
    await n1.view.alterIsr('mv', 0, running.leaderEpoch, [1, 2], running.version)
    const done = await until('the reassignment completed', () => {
      const s = n2.view.partitionState('mv', 0)
      return s !== undefined && s.addingReplicas === undefined && s.leader === 2 ? s : undefined
    })
    expect(done).toMatchObject({ replicas: [2], isr: [2], leaderEpoch: running.leaderEpoch + 1 })
    expect(r.list(null)).toEqual([])

    // Partition 1: start, then cancel before it completes.
    await r.alter('mv', 1, [3])
    await until('partition 1 running', () =>
      n1.view.partitionState('mv', 1)?.addingReplicas?.[0] === 3 ? true : undefined,
    )
    await r.alter('mv', 1, null)
    const back = await until('partition 1 reverted', () => {
      const s = n1.view.partitionState('mv', 1)
      return s !== undefined && s.addingReplicas === undefined ? s : undefined
    })
    expect(back).toMatchObject({ replicas: [1], leader: 1, isr: [1], leaderEpoch: 0 })
  }, 40_000)
})
