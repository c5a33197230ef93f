import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EtcdStore, SessionKeyTaken, parseStoreUrl } from '../../src/cluster/etcd-store.js'
import type { StoredKv } from '../../src/cluster/etcd-store.js'
import { startEtcd } from '../helpers/etcd.js'
import type { EtcdServer } from '../helpers/etcd.js'

let etcd: EtcdServer
const stores: EtcdStore[] = []
let n = 0

function store(): EtcdStore {
  const s = new EtcdStore(etcd.url, { prefix: `/samsa/store-test-${++n}/` })
  stores.push(s)
  return s
}

async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

beforeAll(async () => {
  etcd = await startEtcd()
})

afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined)
  await etcd.stop()
})

describe('parseStoreUrl', () => {
  it('turns etcd:// lists into client hosts and refuses junk', () => {
    expect(parseStoreUrl('etcd://a:1,b:2')).toEqual(['http://a:1', 'http://b:2'])
    expect(() => parseStoreUrl('zk://a:1')).toThrow(/etcd:\/\//)
    expect(() => parseStoreUrl('etcd://nohostport')).toThrow()
  })
})

describe('EtcdStore against a real etcd', () => {
  it('CAS succeeds on the current version and fails on a stale one', async () => {
    const s = store()
    const v1 = await s.put('k', 'one')
    expect((await s.get('k'))?.version).toBe(v1)
    const v2 = await s.cas('k', 'two', v1)
    expect(v2).not.toBeNull()
    expect(await s.cas('k', 'three', v1)).toBeNull()
    expect((await s.get('k'))?.value).toBe('two')
    expect(await s.createIfAbsent('k', 'x')).toBeNull()
    expect(await s.createIfAbsent('fresh', 'x')).not.toBeNull()
  })

  it('session keys: a second live holder is refused; the key expires with a dead session', async () => {
    const a = store()
    const prefix = a.prefix
    const b = new EtcdStore(etcd.url, { prefix })
    stores.push(b)
    await a.startSession(2000)
    await a.putSessionKey('brokers/1', 'a', true)
    await b.startSession(2000)
    await expect(b.putSessionKey('brokers/1', 'b', true)).rejects.toBeInstanceOf(SessionKeyTaken)
    // a "crashes": no revoke, no keepalive; etcd drops the key after the TTL.
    a.abandon()
    const started = Date.now()
    await until('lease expiry', async () => (await b.get('brokers/1')) === undefined, 10_000)
    expect(Date.now() - started).toBeGreaterThan(500)
    await b.putSessionKey('brokers/1', 'b', true)
    expect((await b.get('brokers/1'))?.value).toBe('b')
    // A clean close revokes the lease: the key goes at once.
    await b.close()
    const c = store()
    expect(await c.getPrefix('')).toMatchObject({ kvs: [] })
    void prefix
  })

  it('prefix watch delivers the snapshot, then puts and deletes', async () => {
    const s = store()
    await s.put('w/a', '1')
    await s.put('other', 'x')
    const snap: StoredKv[] = []
    const puts: StoredKv[] = []
    const deletes: string[] = []
    const cancel = await s.watchPrefix('w/', {
      snapshot: (kvs) => snap.push(...kvs),
      put: (kv) => puts.push(kv),
      delete: (key) => deletes.push(key),
    })
    expect(snap.map((k) => [k.key, k.value])).toEqual([['w/a', '1']])
    await s.put('w/b', '2')
    await s.put('other', 'y')
    await s.delete('w/a')
    await until('watch events', () => puts.length === 1 && deletes.length === 1)
    expect(puts[0]).toMatchObject({ key: 'w/b', value: '2' })
    expect(deletes).toEqual(['w/a'])
    await cancel()
  })
})
