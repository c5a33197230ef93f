// A broker whose etcd session is lost stops acting as leader (its lease is about to expire and
// the controller will elect someone else), and takes its roles back on a new session.
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { FakeCluster } from './fake-control.js'
import { connect, consume, produce, startNode, values } from './helpers.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

describe('ReplicaManager and the etcd session', () => {
  it('suspend stops leading (produce, fetch, listeners); resume leads again', async () => {
    const cluster = new FakeCluster()
    const n1 = await startNode(cluster, 1)
    cleanups.push(() => n1.close())
    const changes: string[] = []
    n1.replication.onLeadershipChange((t, p, leading) => changes.push(`${t}-${p}:${leading}`))
    const base = { topic: 't', partition: 0, replicas: [1], isr: [1] }
    cluster.set({ ...base, leader: 1, leaderEpoch: 1 })
    const conn = await connect(n1)
    cleanups.push(() => conn.close())
    expect((await produce(conn, 't', values('a', 1), -1)).errorCode).toBe(ErrorCode.NONE)

    n1.replication.suspend()
    expect(n1.replication.isSuspended).toBe(true)
    expect(n1.replication.leader('t', 0)).toBeUndefined()
    expect((await produce(conn, 't', values('b', 1), 1)).errorCode).toBe(
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
    )
    expect((await consume(conn, 't', 0)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    // A state naming us leader while the session is down is not acted upon.
    cluster.set({ ...base, leader: 1, leaderEpoch: 2 })
    expect(n1.replication.leader('t', 0)).toBeUndefined()

    n1.replication.resume()
    expect(n1.replication.leader('t', 0)?.leaderEpoch).toBe(2)
    expect((await produce(conn, 't', values('c', 1), -1)).errorCode).toBe(ErrorCode.NONE)
    expect(n1.broker.services.logs.get('t', 0)?.logEndOffset).toBe(2)
    expect(changes).toEqual(['t-0:true', 't-0:false', 't-0:true'])
  })
})
