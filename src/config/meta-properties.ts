// meta.properties in each log dir, as Kafka keeps it: version=1, cluster.id, node.id. The
// cluster id is generated once (a random UUID as 22 characters of URL-safe base64, Kafka's
// form) and then read back, so a restarted broker keeps its identity; a data dir that belongs
// to another cluster or node is refused.

import { randomUUID } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { parseProperties } from './properties.js'

export const META_PROPERTIES = 'meta.properties'

export interface MetaProperties {
  clusterId: string
  nodeId: number
}

export function generateClusterId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url')
}

async function readMeta(dir: string): Promise<MetaProperties | null> {
  let text: string
  try {
    text = await fsp.readFile(path.join(dir, META_PROPERTIES), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  const map = new Map(parseProperties(text).map((e) => [e.key, e.value]))
  const clusterId = map.get('cluster.id')
  const nodeId = Number(map.get('node.id') ?? map.get('broker.id'))
  if (clusterId === undefined || clusterId === '' || !Number.isInteger(nodeId))
    throw new Error(`${path.join(dir, META_PROPERTIES)} lacks cluster.id or node.id`)
  return { clusterId, nodeId }
}

async function writeMeta(dir: string, meta: MetaProperties): Promise<void> {
  const file = path.join(dir, META_PROPERTIES)
  const tmp = file + '.tmp'
  const body =
    `#\n# written by samsa ${new Date().toISOString()}\n` +
    `version=1\ncluster.id=${meta.clusterId}\nnode.id=${meta.nodeId}\n`
  const fh = await fsp.open(tmp, 'w')
  try {
    await fh.writeFile(body)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await fsp.rename(tmp, file)
  const dh = await fsp.open(dir, 'r')
  try {
    await dh.sync()
  } finally {
    await dh.close()
  }
}

/**
 * Reads meta.properties from every dir, checks they agree with each other and with the
 * configuration, and writes it where missing. Returns the cluster id in force.
 */
export async function loadOrCreateMeta(
  dirs: readonly string[],
  nodeId: number,
  configuredClusterId: string | null,
): Promise<MetaProperties> {
  const found: Array<{ dir: string; meta: MetaProperties }> = []
  const missing: string[] = []
  for (const dir of dirs) {
    const meta = await readMeta(dir)
    if (meta === null) missing.push(dir)
    else found.push({ dir, meta })
  }
  let clusterId = configuredClusterId ?? found[0]?.meta.clusterId ?? generateClusterId()
  for (const { dir, meta } of found) {
    if (meta.clusterId !== clusterId)
      throw new Error(
        `${path.join(dir, META_PROPERTIES)} has cluster.id ${meta.clusterId}, expected ${clusterId}`,
      )
    if (meta.nodeId !== nodeId)
      throw new Error(
        `${path.join(dir, META_PROPERTIES)} has node.id ${meta.nodeId} but node.id is ${nodeId}`,
      )
    clusterId = meta.clusterId
  }
  for (const dir of missing) await writeMeta(dir, { clusterId, nodeId })
  return { clusterId, nodeId }
}
