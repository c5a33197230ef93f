import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLEAN_SHUTDOWN_MARKER } from '../../src/log/checkpoint.js'
import { LOCK_FILE } from '../../src/server/dir-lock.js'
import { makeTempDir, runSamsa, startBrokerProcess } from '../helpers/broker-process.js'
import { RawClient, apiVersionsRequest, decodeApiVersions } from './raw-client.js'

function clusterIdOf(dir: string): string {
  const m = /^cluster\.id=(.+)$/m.exec(readFileSync(path.join(dir, 'meta.properties'), 'utf8'))
  if (m === null) throw new Error('no cluster.id in meta.properties')
  return m[1] as string
}

describe('broker process lifecycle', () => {
  it('SIGTERM shuts down gracefully: exit 0, clean-shutdown marker, lock released', async () => {
    const b = await startBrokerProcess()
    expect(b.output()).toContain(`samsa data directory ${b.dataDir}`)
    expect(existsSync(path.join(b.dataDir, LOCK_FILE))).toBe(true)
    expect(existsSync(path.join(b.dataDir, CLEAN_SHUTDOWN_MARKER))).toBe(false)
    const code = await b.stop('SIGTERM')
    expect(code).toBe(0)
    expect(existsSync(path.join(b.dataDir, CLEAN_SHUTDOWN_MARKER))).toBe(true)
    expect(existsSync(path.join(b.dataDir, LOCK_FILE))).toBe(false)
    expect(b.output()).toMatch(/SIGTERM received, shutting down/)
  })

  it('SIGINT also exits 0', async () => {
    const b = await startBrokerProcess()
    expect(await b.stop('SIGINT')).toBe(0)
  })

  it('a second broker on the same data dir refuses to start; the first keeps serving', async () => {
    const first = await startBrokerProcess()
    const second = await runSamsa([
      'start',
      '--set',
      'listeners=PLAINTEXT://127.0.0.1:0',
      '--set',
      `log.dirs=${first.dataDir}`,
    ])
    expect(second.code).toBe(1)
    expect(second.output).toMatch(/in use by another broker \(pid \d+/)
    expect(second.output).not.toMatch(/samsa listening/)
    const c = await RawClient.connect(first.port)
    c.write(apiVersionsRequest(1, 3))
    expect(decodeApiVersions((await c.next()) as Buffer, 1).body.errorCode).toBe(0)
    c.close()
    expect(await first.stop()).toBe(0)
  })

  it('after kill -9 the stale lock is taken over and the cluster id is kept', async () => {
    const dataDir = makeTempDir()
    const a = await startBrokerProcess({ dataDir })
    const id = clusterIdOf(dataDir)
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    await a.kill9()
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(true)
    const b = await startBrokerProcess({ dataDir })
    expect(clusterIdOf(dataDir)).toBe(id)
    expect(b.output()).toContain(`cluster.id ${id}`)
    expect(await b.stop()).toBe(0)
  })

  it('a data dir of another node is refused', async () => {
    const dataDir = makeTempDir()
    const a = await startBrokerProcess({ dataDir })
    expect(await a.stop()).toBe(0)
    const r = await runSamsa([
      'start',
      '--set',
      'listeners=PLAINTEXT://127.0.0.1:0',
      '--set',
      `log.dirs=${dataDir}`,
      '--set',
      'node.id=2',
    ])
    expect(r.code).toBe(1)
    expect(r.output).toMatch(/node\.id 1 but node\.id is 2/)
  })
})
