import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  META_PROPERTIES,
  generateClusterId,
  loadOrCreateMeta,
} from '../../src/config/meta-properties.js'

let a: string
let b: string
beforeEach(() => {
  a = mkdtempSync(path.join(os.tmpdir(), 'samsa-meta-a-'))
  b = mkdtempSync(path.join(os.tmpdir(), 'samsa-meta-b-'))
})
afterEach(() => {
  rmSync(a, { recursive: true, force: true })
  rmSync(b, { recursive: true, force: true })
})

describe('meta.properties', () => {
  it('generates a 22-character cluster id once and keeps it', async () => {
    expect(generateClusterId()).toMatch(/^[A-Za-z0-9_-]{22}$/)
    const first = await loadOrCreateMeta([a, b], 1, null)
    const text = readFileSync(path.join(a, META_PROPERTIES), 'utf8')
    expect(text).toMatch(/^version=1$/m)
    expect(text).toMatch(new RegExp(`^cluster.id=${first.clusterId}$`, 'm'))
    expect(text).toMatch(/^node.id=1$/m)
    expect(readFileSync(path.join(b, META_PROPERTIES), 'utf8')).toContain(first.clusterId)
    expect((await loadOrCreateMeta([a, b], 1, null)).clusterId).toBe(first.clusterId)
  })

  it('uses a configured cluster id and refuses a conflicting one', async () => {
    expect((await loadOrCreateMeta([a], 1, 'myCluster')).clusterId).toBe('myCluster')
    await expect(loadOrCreateMeta([a], 1, 'other')).rejects.toThrow(
      /cluster.id myCluster, expected other/,
    )
  })

  it('refuses a dir written by another node id', async () => {
    writeFileSync(path.join(a, META_PROPERTIES), 'version=1\ncluster.id=abc\nnode.id=4\n')
    await expect(loadOrCreateMeta([a], 1, null)).rejects.toThrow(/node.id 4 but node.id is 1/)
  })
})
