// Start-up reconciles the partition logs on disk with the topic store: logs of a topic the store
// no longer has (a crash between the two steps of DeleteTopics) are deleted, and a stored topic
// whose log is missing gets it recreated.
import fs from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { startBroker } from '../src/broker.js'
import { loadBrokerConfig } from '../src/config/broker-config.js'
import { topicManagerFor } from '../src/metadata/topic-manager.js'
import { TOPICS_FILE } from '../src/metadata/topic-store.js'

let dataDir = ''
afterEach(async () => {
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true })
})

async function boot(dir: string) {
  const { config } = loadBrokerConfig({
    env: {},
    overrides: [
      ['listeners', 'PLAINTEXT://127.0.0.1:0'],
      ['log.dirs', dir],
    ],
  })
  return startBroker(config, { banner: () => {}, log: () => {} })
}

it('deletes orphan logs and recreates missing ones at start-up', async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'samsa-startup-'))
  let broker = await boot(dataDir)
  const topics = topicManagerFor(broker.services)
  await topics.create('kept', 2, {})
  await topics.create('orphaned', 1, {})
  await broker.close()

  // Simulate the crash window: the store forgot 'orphaned', and kept-1's directory vanished.
  const storeFile = path.join(dataDir, TOPICS_FILE)
  const stored = JSON.parse(await readFile(storeFile, 'utf8')) as { topics: { name: string }[] }
  stored.topics = stored.topics.filter((t) => t.name !== 'orphaned')
  await writeFile(storeFile, JSON.stringify(stored))
  await rm(path.join(dataDir, 'kept-1'), { recursive: true })

  broker = await boot(dataDir)
  try {
    expect(broker.services.logs.get('orphaned', 0)).toBeUndefined()
    expect(fs.existsSync(path.join(dataDir, 'orphaned-0'))).toBe(false)
    expect(broker.services.logs.get('kept', 0)).toBeDefined()
    expect(broker.services.logs.get('kept', 1)).toBeDefined()
  } finally {
    await broker.close()
  }
})
