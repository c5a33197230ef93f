// Bringing the group coordinator up inside a broker: make sure __consumer_offsets exists (compacted,
// offsets.topic.num.partitions partitions), load every partition's records, start offset expiry.

import type { BrokerConfig } from '../config/broker-config.js'
import type { LogManager } from '../log/log-manager.js'
import { topicManagerFor } from '../metadata/topic-manager.js'
import type { TopicStore } from '../metadata/topic-store.js'
import { KafkaError } from '../protocol/errors.js'
import { GroupCoordinator } from './coordinator.js'
import { PartitionGroupLog, partitionRecords } from './group-log.js'
import type { GroupLog } from './group-log.js'
import { OFFSETS_TOPIC } from './records.js'
import type { Scheduler } from './scheduler.js'
import type { LogFn } from '../log-fn.js'

export interface OpenCoordinatorOptions {
  config: BrokerConfig
  logs: LogManager
  topics: TopicStore
  log?: LogFn
  scheduler?: Scheduler
}

const OFFSETS_TOPIC_CONFIGS = { 'cleanup.policy': 'compact', 'segment.bytes': '104857600' }

export async function openGroupCoordinator(
  options: OpenCoordinatorOptions,
): Promise<GroupCoordinator> {
  const { config, logs, topics } = options
  let info = topics.get(OFFSETS_TOPIC)
  if (info === undefined) {
    info = await topicManagerFor({ topics, logs }).create(
      OFFSETS_TOPIC,
      config.offsetsTopicNumPartitions,
      OFFSETS_TOPIC_CONFIGS,
    )
  }
  const partitions = info.partitions
  const coordinator = newGroupCoordinator(new PartitionGroupLog(logs, partitions), options)
  // One load over all partitions, so a later record wins even if it is in another partition.
  coordinator.load(
    (function* () {
      for (let p = 0; p < partitions; p++) yield* partitionRecords(logs, p)
    })(),
  )
  coordinator.start()
  return coordinator
}

/** A coordinator over `store` with the broker's group settings; the caller loads and starts it. */
export function newGroupCoordinator(
  store: GroupLog,
  options: {
    config: BrokerConfig
    topics: Pick<TopicStore, 'get'>
    log?: LogFn
    scheduler?: Scheduler
  },
): GroupCoordinator {
  const { config, topics } = options
  return new GroupCoordinator({
    store,
    config: {
      minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
      initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
      offsetsRetentionMs: config.offsetsRetentionMinutes * 60_000,
    },
    scheduler: options.scheduler,
    log: options.log,
    partitionExists: (topic, partition) => {
      const t = topics.get(topic)
      return t !== undefined && partition >= 0 && partition < t.partitions
    },
  })
}

/** The broker's coordinator; a broker built without one answers group APIs with an error. */
export function coordinatorOf(services: { groups?: GroupCoordinator }): GroupCoordinator {
  if (services.groups === undefined) {
    throw new KafkaError('COORDINATOR_NOT_AVAILABLE', 'this broker runs no group coordinator')
  }
  return services.groups
}
