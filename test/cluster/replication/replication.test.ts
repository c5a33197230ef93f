import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LeaderState } from '../../../src/cluster/replication/leader-state.js'
import { ProducePurgatory } from '../../../src/cluster/replication/produce-purgatory.js'
import { LEADER_EPOCH_CHECKPOINT } from '../../../src/log/leader-epoch-cache.js'
import { DEFAULT_LOG_CONFIG } from '../../../src/log/log-config.js'
import { PartitionLog } from '../../../src/log/partition-log.js'
import { realFileSystem } from '../../../src/log/fs.js'
import { ErrorCode, KafkaError } from '../../../src/protocol/errors.js'
import { FakeCluster } from './fake-control.js'
import {
  connect,
  consume,
  deleteRecords,
  produce,
  startNode,
  tmpDir,
  until,
  values,
} from './helpers.js'
import type { Node } from './helpers.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function newLog(replicated = true): PartitionLog {
  const dir = tmpDir()
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
  return PartitionLog.create({
    topic: 't',
    partition: 0,
    dir: path.join(dir, 't-0'),
    config: { ...DEFAULT_LOG_CONFIG, fileDeleteDelayMs: 0 },
    fs: realFileSystem,
    clock: Date.now,
    highWatermarkFollowsLogEnd: !replicated,
  })
}

function errName(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return err instanceof KafkaError ? err.errorName : String(err)
  }
  return 'none'
}

describe('PartitionLog.appendAsFollower', () => {
  it('keeps the leader’s offsets and epochs and updates the epoch cache', async () => {
    const log = newLog()
    expect(log.appendAsFollower(values('a', 3, 0, 2))).toBe(2)
    expect(log.appendAsFollower(values('b', 2, 3, 5))).toBe(4)
    expect(log.logEndOffset).toBe(5)
    expect(log.highWatermark).toBe(0) // the leader moves it, not the append
    expect(log.leaderEpochCache.entries()).toEqual([
      { epoch: 2, startOffset: 0 },
      { epoch: 5, startOffset: 3 },
    ])
    await log.leaderEpochCache.flush()
    expect(fs.readFileSync(path.join(log.dir, LEADER_EPOCH_CHECKPOINT), 'utf8')).toBe(
      '0\n2\n2 0\n5 3\n',
    )
    await log.truncateTo(3)
    expect(log.leaderEpochCache.entries()).toEqual([{ epoch: 2, startOffset: 0 }])
    await log.close()
  })

  it('refuses a gap and a bad CRC', async () => {
    const log = newLog()
    log.appendAsFollower(values('a', 2, 0, 1))
    expect(errName(() => log.appendAsFollower(values('x', 1, 5, 1)))).toBe('CORRUPT_MESSAGE')
    const bad = values('y', 1, 2, 1)
    bad[bad.length - 1] ^= 0xff
    expect(errName(() => log.appendAsFollower(bad))).toBe('CORRUPT_MESSAGE')
    expect(log.logEndOffset).toBe(2)
    await log.close()
  })
})

describe('LeaderState', () => {
  function leader(isr: number[], now: { t: number }, cluster = new FakeCluster()) {
    const log = newLog()
    const state = cluster.set({
      topic: 't',
      partition: 0,
      replicas: [1, 2, 3],
      leader: 1,
      leaderEpoch: 1,
      isr,
    })
    const changes: number[] = []
    const l = new LeaderState(
      {
        control: cluster.view(1),
        nodeId: 1,
        log,
        clock: () => now.t,
        lagTimeMaxMs: 1000,
        onChange: (s) => changes.push(s.highWatermark),
      },
      state,
    )
    log.append(values('v', 10), { leaderEpoch: 1 })
    return { l, log, cluster, changes }
  }

  it('HW = min LEO over the ISR, never backwards, unknown followers hold it', () => {
    const now = { t: 0 }
    const { l, log } = leader([1, 2, 3], now)
    l.onAppend()
    expect(log.highWatermark).toBe(0) // followers' LEOs unknown
    l.recordFetch(2, 6)
    expect(log.highWatermark).toBe(0)
    l.recordFetch(3, 4)
    expect(log.highWatermark).toBe(4)
    l.recordFetch(3, 8)
    expect(log.highWatermark).toBe(6)
    l.recordFetch(2, 3) // a follower going back (truncation) does not move the HW back
    expect(log.highWatermark).toBe(6)
  })

  it('shrinks a lagging follower out of the ISR and takes it back once caught up', async () => {
    const now = { t: 0 }
    const { l, log, cluster } = leader([1, 2, 3], now)
    l.recordFetch(2, 10)
    l.recordFetch(3, 5)
    expect(log.highWatermark).toBe(5)
    now.t = 900
    l.recordFetch(2, 10)
    l.checkIsrShrink()
    expect(cluster.isrChanges).toEqual([]) // 3 is behind, but not for long enough yet
    now.t = 1500
    l.recordFetch(2, 10)
    l.checkIsrShrink()
    await until(() => cluster.get('t', 0)?.isr.length === 2)
    expect(cluster.get('t', 0)?.isr).toEqual([1, 2])
    expect(l.isr).toEqual([1, 2])
    expect(log.highWatermark).toBe(10) // 3 no longer holds it
    l.recordFetch(3, 10)
    await until(() => cluster.get('t', 0)?.isr.length === 3)
    expect(cluster.isrChanges).toEqual([
      [1, 2],
      [1, 2, 3],
    ])
  })
})

describe('ProducePurgatory', () => {
  it('completes on HW, times out, and fails below min.insync.replicas', async () => {
    const p = new ProducePurgatory()
    const a = p.wait('t', 0, 5, 2, 10_000)
    const b = p.wait('t', 0, 9, 2, 10_000)
    const c = p.wait('t', 0, 12, 2, 50)
    p.update('t', 0, 6, 3)
    expect(await a).toBe('NONE')
    expect(p.size).toBe(2)
    expect(await c).toBe('REQUEST_TIMED_OUT')
    p.update('t', 0, 6, 1)
    expect(await b).toBe('NOT_ENOUGH_REPLICAS_AFTER_APPEND')
    const d = p.wait('t', 0, 20, 1, 10_000)
    p.fail('t', 0)
    expect(await d).toBe('NOT_LEADER_OR_FOLLOWER')
    expect(p.size).toBe(0)
  })
})

describe('replication between in-process brokers', () => {
  async function nodes(n: number, cluster: FakeCluster, minIsr = 1): Promise<Node[]> {
    const out: Node[] = []
    for (let i = 1; i <= n; i++) {
      const node = await startNode(cluster, i, { minIsr })
      cleanups.push(() => node.close())
      out.push(node)
    }
    return out
  }

  /** Three nodes; node 1 leads t-0 at epoch 1 with all three in the ISR. */
  async function ledByNode1(minIsr = 1): Promise<{ cluster: FakeCluster; nodes: Node[] }> {
    const cluster = new FakeCluster()
    const out = await nodes(3, cluster, minIsr)
    cluster.set({
      topic: 't',
      partition: 0,
      replicas: [1, 2, 3],
      leader: 1,
      leaderEpoch: 1,
      isr: [1, 2, 3],
    })
    return { cluster, nodes: out }
  }

  it('acks=all waits for the followers; consumers see data only below the HW', async () => {
    const [n1, n2, n3] = (await ledByNode1(2)).nodes
    const conn = await connect(n1)
    cleanups.push(() => conn.close())
    for (let i = 0; i < 5; i++) {
      const r = await produce(conn, 't', values(`m${i}`, 2), -1)
      expect(r).toEqual({ errorCode: ErrorCode.NONE, baseOffset: i * 2 })
    }
    const l1 = n1.broker.services.logs.get('t', 0)
    expect(l1?.highWatermark).toBe(10)
    await until(() => n2.broker.services.logs.get('t', 0)?.logEndOffset === 10)
    await until(() => n3.broker.services.logs.get('t', 0)?.highWatermark === 10)
    // The followers fetch in incremental sessions (KIP-227) on the leader.
    await until(() => (n2.replication.fetcherFor(1)?.incrementalFetches ?? 0) > 2)
    expect(n1.broker.services.fetchSessions.size).toBe(2)
    const read = await consume(conn, 't', 0, 1)
    expect(read.errorCode).toBe(ErrorCode.NONE)
    expect(read.highWatermark).toBe(10)
    expect(read.bytes).toBeGreaterThan(0)
    // Fencing and non-leaders.
    expect((await consume(conn, 't', 0, 0)).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH)
    expect((await consume(conn, 't', 0, 2)).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH)
    const conn2 = await connect(n2)
    cleanups.push(() => conn2.close())
    expect((await consume(conn2, 't', 0)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect((await produce(conn2, 't', values('x', 1), 1)).errorCode).toBe(
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
    )
  })

  it('acks=all times out when a follower stops, and NOT_ENOUGH_REPLICAS below min ISR', async () => {
    const cluster = new FakeCluster()
    const [n1, n2] = await nodes(2, cluster, 2)
    cluster.set({
      topic: 't',
      partition: 0,
      replicas: [1, 2],
      leader: 1,
      leaderEpoch: 1,
      isr: [1, 2],
    })
    const conn = await connect(n1)
    cleanups.push(() => conn.close())
    expect((await produce(conn, 't', values('a', 1), -1)).errorCode).toBe(ErrorCode.NONE)
    await n2.replication.close() // the follower stops fetching
    const slow = await produce(conn, 't', values('b', 1), -1, 300)
    expect(slow.errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT)
    expect(n1.broker.services.logs.get('t', 0)?.logEndOffset).toBe(2) // appended nonetheless
    cluster.set({ ...(cluster.get('t', 0) ?? ({} as never)), isr: [1] })
    expect((await produce(conn, 't', values('c', 1), -1)).errorCode).toBe(
      ErrorCode.NOT_ENOUGH_REPLICAS,
    )
    expect((await produce(conn, 't', values('d', 1), 1)).errorCode).toBe(ErrorCode.NONE)
    // A topic override (LogSync applies the topic record's configs to the log) beats the broker's.
    n1.broker.services.logs.setTopicConfig('t', { minInsyncReplicas: 1 })
    expect((await produce(conn, 't', values('e', 1), -1)).errorCode).toBe(ErrorCode.NONE)
  })

  it('DeleteRecords: leader only; followers follow its log start; the answer waits for them', async () => {
    const { cluster, nodes: all } = await ledByNode1()
    const [n1, n2, n3] = all
    const conn1 = await connect(n1)
    const conn2 = await connect(n2)
    cleanups.push(
      () => conn1.close(),
      () => conn2.close(),
    )
    for (let i = 0; i < 5; i++)
      expect((await produce(conn1, 't', values(`m${i}`, 2), -1)).errorCode).toBe(ErrorCode.NONE)
    const logs = [n1, n2, n3].map((n) => n.broker.services.logs.get('t', 0))
    expect(await deleteRecords(conn2, 't', 4)).toEqual({
      errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
      lowWatermark: -1,
    })
    expect(logs.map((l) => l?.logStartOffset)).toEqual([0, 0, 0])
    // Answered once every follower reported the new start: all three moved by then.
    expect(await deleteRecords(conn1, 't', 6)).toEqual({ errorCode: 0, lowWatermark: 6 })
    expect(logs.map((l) => l?.logStartOffset)).toEqual([6, 6, 6])
    expect((await consume(conn1, 't', 4)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE)
    // A live follower that stops fetching holds the low watermark: the request times out, the
    // leader's start has moved nonetheless.
    await n3.replication.close()
    expect(await deleteRecords(conn1, 't', 8, 300)).toEqual({
      errorCode: ErrorCode.REQUEST_TIMED_OUT,
      lowWatermark: -1,
    })
    expect(logs[0]?.logStartOffset).toBe(8)
    await until(() => logs[1]?.logStartOffset === 8)
    // Once its broker is gone it no longer counts.
    cluster.brokers.delete(3)
    expect(await deleteRecords(conn1, 't', 8)).toEqual({ errorCode: 0, lowWatermark: 8 })
    expect(logs[2]?.logStartOffset).toBe(6)
  })

  it('a divergent old leader truncates to the new leader’s epoch end offset', async () => {
    const cluster = new FakeCluster()
    const [n1, n2] = await nodes(2, cluster)
    const base = { topic: 't', partition: 0 }
    cluster.set({ ...base, replicas: [1, 2], leader: 1, leaderEpoch: 1, isr: [1, 2] })
    const conn1 = await connect(n1)
    cleanups.push(() => conn1.close())
    expect((await produce(conn1, 't', values('a', 5), -1)).errorCode).toBe(ErrorCode.NONE)
    const log1 = n1.broker.services.logs.get('t', 0)
    const log2 = n2.broker.services.logs.get('t', 0)
    await until(() => log2?.logEndOffset === 5)
    // Broker 2 leaves the replica set; 1 writes 3 records nobody replicates.
    cluster.set({ ...base, replicas: [1], leader: 1, leaderEpoch: 1, isr: [1] })
    expect((await produce(conn1, 't', values('lost', 3), 1)).errorCode).toBe(ErrorCode.NONE)
    expect(log1?.logEndOffset).toBe(8)
    // 2 becomes leader at epoch 2 and takes new writes; 1 must drop offsets 5-7.
    cluster.set({ ...base, replicas: [1, 2], leader: 2, leaderEpoch: 2, isr: [2] })
    const conn2 = await connect(n2)
    cleanups.push(() => conn2.close())
    expect(await produce(conn2, 't', values('new', 2), -1)).toEqual({
      errorCode: ErrorCode.NONE,
      baseOffset: 5,
    })
    await until(() => log1?.logEndOffset === 7 && log1.leaderEpochCache.latestEpoch === 2)
    expect(log1?.leaderEpochCache.entries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 5 },
    ])
    await until(() => cluster.get('t', 0)?.isr.length === 2) // 1 caught up: back in the ISR
    expect(log2?.highWatermark).toBe(7)
  })
})
