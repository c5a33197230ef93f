import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EtcdStore } from '../../src/cluster/etcd-store.js'
import { PRODUCER_ID_BLOCK_KEY, etcdBlockReserver } from '../../src/cluster/producer-id-blocks.js'
import { initProducerId } from '../../src/handlers/22-init-producer-id.js'
import { PRODUCER_ID_FILE, ProducerIdAllocator } from '../../src/metadata/producer-ids.js'
import { ErrorCode, KafkaError } from '../../src/protocol/errors.js'
import { freePort, startEtcd } from '../helpers/etcd.js'
import type { EtcdServer } from '../helpers/etcd.js'

let etcd: EtcdServer
const stores: EtcdStore[] = []
const dirs: string[] = []
let n = 0

function store(prefix: string, url = etcd.url): EtcdStore {
  const s = new EtcdStore(url, { prefix, dialTimeoutMs: 500 })
  stores.push(s)
  return s
}

async function dir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'samsa-pid-blocks-'))
  dirs.push(d)
  return d
}

beforeAll(async () => {
  etcd = await startEtcd()
})

afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined)
  for (const d of dirs) await rm(d, { recursive: true, force: true })
  await etcd.stop()
})

describe('producer id blocks in etcd', () => {
  it('brokers sharing a cluster never hand out the same id', async () => {
    const prefix = `/samsa/pid-${++n}/`
    const brokers = await Promise.all(
      [1, 2, 3].map(async () =>
        ProducerIdAllocator.open(await dir(), {
          blockSize: 4,
          reserver: etcdBlockReserver(store(prefix)),
        }),
      ),
    )
    // Interleaved and concurrent: every broker runs out of its block many times, racing the others.
    const ids = await Promise.all(
      Array.from({ length: 90 }, (_, i) => (brokers[i % 3] as ProducerIdAllocator).allocate()),
    )
    expect(new Set(ids).size).toBe(90)
    const bound = Number((await store(prefix).get(PRODUCER_ID_BLOCK_KEY))?.value)
    expect(Math.max(...ids)).toBeLessThan(bound)
    // A restarted broker (new allocator, same dir) starts above everything issued so far.
    const again = await ProducerIdAllocator.open(await dir(), {
      blockSize: 4,
      reserver: etcdBlockReserver(store(prefix)),
    })
    expect(await again.allocate()).toBeGreaterThanOrEqual(bound)
  })

  it('a broker that issued ids on its own before joining stays above them', async () => {
    const prefix = `/samsa/pid-${++n}/`
    const d = await dir()
    await writeFile(path.join(d, PRODUCER_ID_FILE), '1000\n')
    const a = await ProducerIdAllocator.open(d, {
      blockSize: 10,
      reserver: etcdBlockReserver(store(prefix)),
    })
    expect(await a.allocate()).toBe(1000)
    // The cluster's bound moved past it: another broker with no history starts at 1010.
    const b = await ProducerIdAllocator.open(await dir(), {
      blockSize: 10,
      reserver: etcdBlockReserver(store(prefix)),
    })
    expect(await b.allocate()).toBe(1010)
  })

  it('without etcd InitProducerId answers a retriable error and the broker carries on', async () => {
    const deadUrl = `etcd://127.0.0.1:${await freePort()}`
    const logged: string[] = []
    const reserver = etcdBlockReserver(store('/samsa/dead/', deadUrl), (_level, msg) => {
      logged.push(msg)
    })
    const a = await ProducerIdAllocator.open(await dir(), { reserver })
    const res = await initProducerId(
      { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 },
      a,
    )
    expect(res.errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
    expect(new KafkaError('COORDINATOR_LOAD_IN_PROGRESS').retriable).toBe(true)
    expect(logged).toContain('reserving producer ids in etcd failed')
  })

  it('a corrupt bound in etcd is refused, not reset', async () => {
    const prefix = `/samsa/pid-${++n}/`
    await store(prefix).put(PRODUCER_ID_BLOCK_KEY, 'junk')
    const a = await ProducerIdAllocator.open(await dir(), {
      reserver: etcdBlockReserver(store(prefix)),
    })
    await expect(a.allocate()).rejects.toMatchObject({ errorName: 'COORDINATOR_LOAD_IN_PROGRESS' })
    expect((await store(prefix).get(PRODUCER_ID_BLOCK_KEY))?.value).toBe('junk')
  })
})
