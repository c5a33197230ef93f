// An in-process broker "services" object for handler tests: real LogManager and TopicStore in a
// temporary directory, a config from loadBrokerConfig with test overrides, and a RequestContext
// factory. No sockets; handlers are called directly.

import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { BrokerServices } from '../../src/broker-services.js'
import { loadBrokerConfig } from '../../src/config/broker-config.js'
import { LogManager } from '../../src/log/log-manager.js'
import { ProducerIdAllocator } from '../../src/metadata/producer-ids.js'
import { TopicStore } from '../../src/metadata/topic-store.js'
import { FetchPurgatory } from '../../src/server/fetch-purgatory.js'
import { FetchSessionCache } from '../../src/server/fetch-sessions.js'
import type { RequestContext } from '../../src/server/handler.js'
import { silentLog } from '../../src/server/logger.js'
import { newBrokerStats } from '../../src/server/stats.js'

export interface BrokerFixture {
  dir: string
  services: BrokerServices
  ctx(apiKey: number, apiVersion: number): RequestContext
  close(): Promise<void>
}

export async function openBrokerFixture(
  overrides: ReadonlyArray<readonly [string, string]> = [],
): Promise<BrokerFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'samsa-meta-'))
  const { config } = loadBrokerConfig({
    env: {},
    overrides: [['log.dirs', dir], ['node.id', '7'], ...overrides],
  })
  const logs = await LogManager.open({
    logDirs: [dir],
    defaults: config.logDefaults,
    retentionCheckIntervalMs: 3_600_000,
    recoveryPointCheckpointIntervalMs: 3_600_000,
  })
  const topics = await TopicStore.open(dir)
  const purgatory = new FetchPurgatory(logs)
  const services: BrokerServices = {
    config,
    logs,
    topics,
    purgatory,
    fetchSessions: new FetchSessionCache(config.maxIncrementalFetchSessionCacheSlots),
    producerIds: await ProducerIdAllocator.open(dir),
    nodeId: config.nodeId,
    clusterId: 'test-cluster-id',
    advertised: { host: 'broker.example', port: 19092 },
    stats: newBrokerStats(),
    handlers: [],
    log: silentLog,
  }
  let correlationId = 0
  return {
    dir,
    services,
    ctx: (apiKey, apiVersion) => ({
      apiKey,
      apiVersion,
      correlationId: ++correlationId,
      clientId: 'test',
      connectionId: 1,
      remoteAddress: '127.0.0.1',
      listenerName: 'PLAINTEXT',
      broker: services,
    }),
    async close() {
      purgatory.close()
      await logs.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
