// Controller election and partition leadership against a real etcd, with in-process brokers
// (EtcdStore + ClusterView + Controller each) and 2 s sessions so failures are seen quickly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterTopicStore } from '../../src/cluster/cluster-topics.js'
import { ClusterView, TOPICS, encodeState, partitionKey } from '../../src/cluster/cluster-view.js'
import { Controller } from '../../src/cluster/controller.js'
import { EtcdStore } from '../../src/cluster/etcd-store.js'
import { OfflineReplicaReporter } from '../../src/cluster/offline-replicas.js'
import type { PartitionState } from '../../src/cluster/types.js'
import { startEtcd } from '../helpers/etcd.js'
import type { EtcdServer } from '../helpers/etcd.js'

let etcd: EtcdServer
let prefix = ''
let cluster = 0

interface Node {
  id: number
  store: EtcdStore
  view: ClusterView
  controller: Controller
}
const nodes: Node[] = []

async function startNode(id: number): Promise<Node> {
  const store = new EtcdStore(etcd.url, { prefix })
  const view = new ClusterView(store, id)
  await view.start()
  await store.startSession(2000)
  await store.putSessionKey(
    `brokers/${id}`,
    JSON.stringify({ nodeId: id, host: '127.0.0.1', port: 9000 + id, rack: null }),
    true,
  )
  view.applyBroker({ nodeId: id, host: '127.0.0.1', port: 9000 + id, rack: null })
  // A short grace: the repair test below waits for it (a premature repair of a state that is
  // only late in the view loses its create-if-absent and changes nothing).
  const controller = new Controller(store, view, {
    preferredLeaderCheckMs: 0,
    missingStateGraceMs: 300,
  })
  controller.start()
  const node = { id, store, view, controller }
  nodes.push(node)
  return node
}

/** A crash: no lease revoke, no controller resignation; etcd notices after the TTL. */
async function crash(node: Node): Promise<void> {
  node.controller.abandon()
  node.store.abandon()
  nodes.splice(nodes.indexOf(node), 1)
}

async function until<T>(what: string, get: () => T | undefined, ms = 12_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = get()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function stateWhere(
  view: ClusterView,
  topic: string,
  p: number,
  cond: (s: PartitionState) => boolean,
): () => PartitionState | undefined {
  return () => {
    const s = view.partitionState(topic, p)
    return s !== undefined && cond(s) ? s : undefined
  }
}

async function freshCluster(ids: number[]): Promise<Node[]> {
  for (const n of nodes.splice(0)) {
    await n.controller.stop()
    await n.view.close()
    await n.store.close()
  }
  prefix = `/samsa/controller-test-${++cluster}/`
  const out: Node[] = []
  for (const id of ids) out.push(await startNode(id))
  for (const n of out)
    await until('registrations seen', () =>
      n.view.brokers().length === ids.length ? true : undefined,
    )
  return out
}

beforeAll(async () => {
  etcd = await startEtcd()
})

afterAll(async () => {
  for (const n of nodes.splice(0)) {
    await n.controller.stop().catch(() => undefined)
    await n.view.close().catch(() => undefined)
    await n.store.close().catch(() => undefined)
  }
  await etcd.stop()
})

describe('controller', () => {
  it('elects one controller; another takes over when its process dies', async () => {
    const [a, b] = await freshCluster([1, 2])
    const first = await until('a controller', () => [a, b].find((n) => n?.controller.isActive))
    expect([a, b].filter((n) => n?.controller.isActive)).toHaveLength(1)
    expect(a?.view.controllerId()).toBe(first.id)
    expect(b?.view.controllerId()).toBe(first.id)
    const other = first === a ? (b as Node) : (a as Node)
    const crashedAt = Date.now()
    await crash(first)
    await until('failover', () => (other.controller.isActive ? true : undefined))
    await until('view update', () => (other.view.controllerId() === other.id ? true : undefined))
    // Only the lease expiry (2 s TTL) can free the key: proof the takeover was not a resignation.
    expect(Date.now() - crashedAt).toBeGreaterThan(1000)
  })

  it('moves leadership to the next ISR replica when a leader dies, and back when preferred', async () => {
    const [n1, n2, n3] = (await freshCluster([1, 2, 3])) as [Node, Node, Node]
    const topics = new ClusterTopicStore(n1.store, n1.view, () => 3)
    await topics.createPlaced(
      't',
      2,
      {},
      {
        assignments: [
          [3, 1, 2],
          [1, 2, 3],
        ],
      },
    )
    const s0 =
      n2.view.partitionState('t', 0) ??
      (await until(
        'state',
        stateWhere(n2.view, 't', 0, () => true),
      ))
    expect(s0).toMatchObject({ leader: 3, leaderEpoch: 0, isr: [3, 1, 2] })
    await crash(n3)
    const moved = await until(
      'leader change',
      stateWhere(n1.view, 't', 0, (s) => s.leader !== 3),
    )
    expect(moved.leader).toBe(1)
    expect(moved.leaderEpoch).toBe(1)
    expect(moved.isr.sort()).toEqual([1, 2])
    // Partition 1 kept its leader; the dead follower left the ISR without an epoch bump.
    const p1 = await until(
      'isr shrink',
      stateWhere(n2.view, 't', 1, (s) => s.isr.length === 2),
    )
    expect(p1).toMatchObject({ leader: 1, leaderEpoch: 0 })
    expect(p1.isr.sort()).toEqual([1, 2])

    // Broker 3 returns; once the leader puts it back in the ISR it leads again (preferred).
    const back = await startNode(3)
    const cur = n1.view.partitionState('t', 0) as PartitionState
    await n1.view.alterIsr('t', 0, cur.leaderEpoch, [1, 2, 3], cur.version)
    const preferred = await until(
      'preferred leader',
      stateWhere(back.view, 't', 0, (s) => s.leader === 3),
    )
    expect(preferred.leaderEpoch).toBe(2)
    // The old leader's stale epoch is fenced now.
    await expect(n1.view.alterIsr('t', 0, 1, [1, 3], preferred.version)).rejects.toThrow(
      /FENCED_LEADER_EPOCH|NOT_LEADER/,
    )
  })

  it('takes a partition offline when its last ISR member dies, and back when it returns', async () => {
    const [n1, n2] = (await freshCluster([1, 2])) as [Node, Node]
    const topics = new ClusterTopicStore(n1.store, n1.view, () => 1)
    await topics.createPlaced('solo', 1, {}, { assignments: [[2, 1]] })
    // Only broker 2 is in sync.
    const s = await until(
      'state',
      stateWhere(n2.view, 'solo', 0, () => true),
    )
    await n2.view.alterIsr('solo', 0, 0, [2], s.version)
    await crash(n2)
    const offline = await until(
      'offline',
      stateWhere(n1.view, 'solo', 0, (x) => x.leader === -1),
    )
    // Unclean election is off: broker 1 is live but out of sync, so it must not lead.
    expect(offline.isr).toEqual([2])
    expect(offline.leaderEpoch).toBe(1)
    await startNode(2)
    const online = await until(
      'online',
      stateWhere(n1.view, 'solo', 0, (x) => x.leader === 2),
    )
    expect(online.leaderEpoch).toBe(2)
    expect(online.isr).toEqual([2])
  })

  it('moves leadership off a replica reported offline and keeps it out of the ISR', async () => {
    const [n1, n2, n3] = (await freshCluster([1, 2, 3])) as [Node, Node, Node]
    const topics = new ClusterTopicStore(n1.store, n1.view, () => 3)
    const assignments = [
      [1, 2, 3],
      [2, 1, 3],
    ]
    await topics.createPlaced('dl', 2, {}, { assignments })
    await until(
      'states',
      stateWhere(n2.view, 'dl', 1, () => true),
    )
    const quiet = () => undefined
    const r1 = new OfflineReplicaReporter(n1.store, 1, quiet)
    const r3 = new OfflineReplicaReporter(n3.store, 3, quiet)
    try {
      // Broker 1's log of dl-0 failed: the next in-sync replica leads, broker 1 leaves the ISR.
      r1.report('dl', 0)
      const moved = await until(
        'leader moved',
        stateWhere(n2.view, 'dl', 0, (s) => s.leader !== 1),
      )
      expect(moved).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [2, 3] })
      expect(n3.view.offline.isOffline(1, 'dl', 0)).toBe(true)
      // Only that partition: broker 1 still follows dl-1 in sync.
      expect(n2.view.partitionState('dl', 1)).toMatchObject({ leader: 2, isr: [2, 1, 3] })
      // An offline follower leaves the ISR; the leader and its epoch stay.
      r3.report('dl', 1)
      const shrunk = await until(
        'ISR shrink',
        stateWhere(n1.view, 'dl', 1, (s) => !s.isr.includes(3)),
      )
      expect(shrunk).toMatchObject({ leader: 2, leaderEpoch: 0, isr: [2, 1] })
      // While reported, the preferred replica neither rejoins the ISR nor leads again.
      const cur = n2.view.partitionState('dl', 0) as PartitionState
      await n2.view.alterIsr('dl', 0, cur.leaderEpoch, [2, 3, 1], cur.version)
      const kept = await until(
        'ISR shrink again',
        stateWhere(n2.view, 'dl', 0, (s) => !s.isr.includes(1)),
      )
      expect(kept).toMatchObject({ leader: 2, leaderEpoch: 1 })
      // The report goes with the session: a restarted broker reports nothing until a log fails.
      r1.close()
      await crash(n1)
      await until('the report gone', () =>
        n2.view.offline.isOffline(1, 'dl', 0) ? undefined : true,
      )
      const back = await startNode(1)
      await until('back', () => (back.view.broker(1) !== undefined ? true : undefined))
      expect(back.view.offline.isOffline(1, 'dl', 0)).toBe(false)
      expect(back.view.offline.isOffline(3, 'dl', 1)).toBe(true)
      // A partition deleted or moved off the broker is no longer reported.
      r3.forget('dl', 1)
      await until('forgotten', () => (n2.view.offline.isOffline(3, 'dl', 1) ? undefined : true))
    } finally {
      r1.close()
      r3.close()
    }
  })

  it('lets an out-of-sync replica lead where the topic allows unclean election', async () => {
    const [n1, n2] = (await freshCluster([1, 2])) as [Node, Node]
    const topics = new ClusterTopicStore(n1.store, n1.view, () => 1)
    const unclean = { 'unclean.leader.election.enable': 'true' }
    await topics.createPlaced('dirty', 1, unclean, { assignments: [[2, 1]] })
    await topics.createPlaced('clean', 1, {}, { assignments: [[2, 1]] })
    // Only broker 2 is in sync.
    for (const t of ['dirty', 'clean']) {
      const s = await until(
        'state',
        stateWhere(n2.view, t, 0, () => true),
      )
      await n2.view.alterIsr(t, 0, 0, [2], s.version)
    }
    await crash(n2)
    const dirty = await until(
      'an unclean leader',
      stateWhere(n1.view, 'dirty', 0, (x) => x.leader === 1),
    )
    expect(dirty).toMatchObject({ leaderEpoch: 1, isr: [1] })
    // The broker default (off) holds for the other topic.
    const clean = await until(
      'offline',
      stateWhere(n1.view, 'clean', 0, (x) => x.leader === -1),
    )
    expect(clean.isr).toEqual([2])
    // Allowing it later brings the partition back without waiting for a periodic pass.
    await topics.setConfigs('clean', unclean)
    const back = await until(
      'an unclean leader after the config change',
      stateWhere(n1.view, 'clean', 0, (x) => x.leader === 1),
    )
    expect(back).toMatchObject({ leaderEpoch: 2, isr: [1] })
  })

  it('places partitions that a writer dying between transactions left without state', async () => {
    const [n1] = (await freshCluster([1, 2, 3])) as [Node]
    // The first transaction of a large create: the topic record and partition 0's state only.
    await n1.store.put(
      TOPICS + 'half',
      JSON.stringify({ topicId: 'id-half', partitions: 4, configs: {} }),
    )
    await n1.store.put(
      partitionKey('half', 0),
      encodeState({
        topic: 'half',
        partition: 0,
        replicas: [2, 3],
        leader: 2,
        leaderEpoch: 0,
        isr: [2, 3],
      }),
    )
    const placed = await until('the other partitions placed', () => {
      const ss = [1, 2, 3].map((p) => n1.view.partitionState('half', p))
      return ss.every((x) => x !== undefined) ? (ss as PartitionState[]) : undefined
    })
    for (const st of placed) {
      expect(st.replicas).toHaveLength(2) // partition 0's replication factor
      expect(new Set(st.replicas).size).toBe(2)
      expect(st.isr).toEqual(st.replicas)
      expect(st.replicas).toContain(st.leader)
    }
    // Partition 0 was not touched.
    expect(n1.view.partitionState('half', 0)).toMatchObject({ replicas: [2, 3], leaderEpoch: 0 })
  })

  it('refuses a replication factor above the live brokers', async () => {
    const [n1] = (await freshCluster([1, 2])) as [Node, Node]
    const topics = new ClusterTopicStore(n1.store, n1.view, () => 3)
    await expect(topics.createPlaced('big', 1, {}, { replicationFactor: 3 })).rejects.toThrow(
      /INVALID_REPLICATION_FACTOR/,
    )
    const info = await topics.createPlaced('ok', 4, {}, { replicationFactor: 2 })
    expect(info.partitions).toBe(4)
    const leaders = [0, 1, 2, 3].map((p) => n1.view.partitionState('ok', p)?.leader)
    expect(new Set(leaders)).toEqual(new Set([1, 2]))
  })
})
