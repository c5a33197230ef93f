// Consumer-group figures against a Samsa broker started here: how long a 10-member KafkaJS group
// takes to form (every member holding one of 10 partitions), how long the rebalance takes after
// one member leaves (the other 9 hold all 10 partitions again), and OffsetCommit requests per
// second from one connection with 64 requests in flight (each commit is a durable append to
// __consumer_offsets before its response). group.initial.rebalance.delay.ms is set to 0 so the
// figures measure the protocol, not Kafka's deliberate 3 s wait for more members.
//
// Run: npm run build:ts && node dist/bench/groups.js [--members 10] [--commits 20000]
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel } from 'kafkajs'
import type { Consumer } from 'kafkajs'
import { AdminClient } from '../src/admin/client/client.js'
import { coordinatorOf } from '../src/admin/client/groups.js'
import {
  OffsetCommitRequestSchema,
  OffsetCommitResponseSchema,
} from '../src/protocol/messages/offset-commit.js'
import type {
  OffsetCommitRequest,
  OffsetCommitResponse,
} from '../src/protocol/messages/offset-commit.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

const MEMBERS = arg('members', 10)
const COMMITS = arg('commits', 20_000)
const TOPIC = 'bench-groups'

function startBroker(dir: string): Promise<{ port: number; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.join(root, 'bin/samsa.js'),
        'start',
        ...['listeners=PLAINTEXT://127.0.0.1:0', `log.dirs=${dir}`, 'admin.listener=']
          .concat(['group.initial.rebalance.delay.ms=0'])
          .flatMap((kv) => ['--set', kv]),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/.exec(out)
      if (m !== null)
        resolve({
          port: Number(m[1]),
          stop: () =>
            new Promise((r) => {
              child.once('close', () => r())
              child.kill('SIGTERM')
            }),
        })
    })
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)))
  })
}

/** Resolves when `done()` holds, checked after every GROUP_JOIN event. */
function waitFor(
  done: () => boolean,
  timeoutMs: number,
): { promise: Promise<void>; check: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r, reject) => {
    resolve = r
    setTimeout(() => reject(new Error('timed out waiting for the group')), timeoutMs).unref()
  })
  return {
    promise,
    check: () => {
      if (done()) resolve()
    },
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-groups-'))
  const broker = await startBroker(dir)
  const bootstrap = `127.0.0.1:${broker.port}`
  const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING })
  try {
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: MEMBERS }] })
    await admin.disconnect()

    const assigned = new Map<number, number>() // member index -> partitions held
    const consumers: Consumer[] = []
    let watcher: { check: () => void } = { check: () => {} }
    for (let i = 0; i < MEMBERS; i++) {
      const c = kafka.consumer({
        groupId: 'bench',
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
        // KafkaJS heartbeats between fetches: a long poll would hide the rebalance behind it.
        maxWaitTimeInMs: 100,
      })
      c.on(c.events.GROUP_JOIN, (e) => {
        const parts = Object.values(e.payload.memberAssignment).reduce((n, ps) => n + ps.length, 0)
        assigned.set(i, parts)
        watcher.check()
      })
      consumers.push(c)
    }
    const holdsAll = (members: number[]): boolean =>
      members.every((i) => (assigned.get(i) ?? 0) >= 1) &&
      members.reduce((n, i) => n + (assigned.get(i) ?? 0), 0) === MEMBERS

    const everyone = consumers.map((_, i) => i)
    const formed = waitFor(() => holdsAll(everyone), 120_000)
    watcher = formed
    const t0 = performance.now()
    await Promise.all(
      consumers.map(async (c) => {
        await c.connect()
        await c.subscribe({ topics: [TOPIC], fromBeginning: true })
        await c.run({ eachMessage: async () => {} })
      }),
    )
    await formed.promise
    const formMs = performance.now() - t0

    const rest = everyone.slice(1)
    for (const i of rest) assigned.delete(i)
    const rebalanced = waitFor(() => holdsAll(rest), 120_000)
    watcher = rebalanced
    const t1 = performance.now()
    await consumers[0]!.disconnect()
    await rebalanced.promise
    const rebalanceMs = performance.now() - t1
    await Promise.all(consumers.slice(1).map((c) => c.disconnect()))

    const client = await AdminClient.connect(bootstrap)
    const conn = await coordinatorOf(client, 'bench-commits')
    const request = (offset: number): OffsetCommitRequest => ({
      groupId: 'bench-commits',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: TOPIC,
          partitions: [
            {
              partitionIndex: offset % MEMBERS,
              committedOffset: offset,
              committedLeaderEpoch: -1,
              commitTimestamp: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
    })
    const t2 = performance.now()
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < COMMITS) {
        const res = await conn.send<OffsetCommitRequest, OffsetCommitResponse>(
          OffsetCommitRequestSchema,
          OffsetCommitResponseSchema,
          request(next++),
        )
        const code = res.topics[0]?.partitions[0]?.errorCode
        if (code !== 0) throw new Error(`OffsetCommit failed with error ${code}`)
      }
    }
    await Promise.all(Array.from({ length: 64 }, worker))
    const commitSec = (performance.now() - t2) / 1000
    await client.close()

    console.log(`consumer groups (KafkaJS members, group.initial.rebalance.delay.ms=0)`)
    console.log(`  ${MEMBERS}-member group formed in ${formMs.toFixed(0)} ms`)
    console.log(`  rebalance after one member left: ${rebalanceMs.toFixed(0)} ms`)
    console.log(
      `  OffsetCommit: ${COMMITS} requests in ${commitSec.toFixed(2)} s = ` +
        `${Math.round(COMMITS / commitSec)} requests/s (one connection, 64 in flight)`,
    )
  } finally {
    await broker.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
