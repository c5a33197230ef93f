// In-memory doubles for the group coordinator tests: a GroupLog that keeps appended records (and
// can be told to fail) and a coordinator factory on a manual clock.

import { GroupCoordinator } from '../../src/group/coordinator.js'
import type { GroupLog, KeyValue } from '../../src/group/group-log.js'
import type { GroupConfig, JoinParams } from '../../src/group/membership.js'
import { ManualScheduler } from '../../src/group/scheduler.js'

export class MemoryGroupLog implements GroupLog {
  readonly records: KeyValue[] = []
  fail: Error | null = null
  append(_groupId: string, records: readonly KeyValue[]): Promise<void> {
    if (this.fail !== null) return Promise.reject(this.fail)
    this.records.push(...records)
    return Promise.resolve()
  }
}

export interface Harness {
  clock: ManualScheduler
  log: MemoryGroupLog
  gc: GroupCoordinator
}

export function harness(config: Partial<GroupConfig> = {}): Harness {
  const clock = new ManualScheduler()
  const log = new MemoryGroupLog()
  const gc = new GroupCoordinator({
    store: log,
    scheduler: clock,
    config: { initialRebalanceDelayMs: 0, ...config },
    partitionExists: (topic) => topic !== 'missing',
  })
  return { clock, log, gc }
}

/** A ConsumerProtocolSubscription v0 for the given topics. */
export function subscription(topics: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0, 0])]
  const n = Buffer.alloc(4)
  n.writeInt32BE(topics.length)
  parts.push(n)
  for (const t of topics) {
    const len = Buffer.alloc(2)
    len.writeInt16BE(Buffer.byteLength(t))
    parts.push(len, Buffer.from(t))
  }
  parts.push(Buffer.alloc(4))
  return Buffer.concat(parts)
}

export function join(over: Partial<JoinParams> = {}): JoinParams {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    clientId: 'c',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: false,
    ...over,
  }
}

/** Lets promise callbacks (store appends) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}
