// The group coordinator in cluster mode: it serves the groups of the __consumer_offsets
// partitions this broker leads (NOT_COORDINATOR for the others), loads a partition's groups when
// it becomes that partition's leader and forgets them when it stops leading, and stores group
// records through ReplicatedGroupLog (leader epoch stamped, complete once replicated).

import type { ReplicaManager } from '../cluster/replication/replica-manager.js'
import type { BrokerConfig } from '../config/broker-config.js'
import type { LogManager } from '../log/log-manager.js'
import type { TopicStore } from '../metadata/topic-store.js'
import type { GroupCoordinator } from './coordinator.js'
import { partitionRecords } from './group-log.js'
import { OFFSETS_TOPIC, partitionForGroup } from './records.js'
import { ReplicatedGroupLog } from './replicated-group-log.js'
import type { Scheduler } from './scheduler.js'
import { newGroupCoordinator } from './service.js'
import type { LogFn } from '../log-fn.js'

export interface ClusterCoordinatorOptions {
  config: BrokerConfig
  logs: Pick<LogManager, 'get'>
  topics: Pick<TopicStore, 'get'>
  replication: Pick<
    ReplicaManager,
    'checkProduce' | 'awaitReplication' | 'leader' | 'onLeadershipChange'
  >
  /** Partition count of __consumer_offsets once it exists (etcd's view). */
  offsetsPartitions: () => number | undefined
  log?: LogFn
  scheduler?: Scheduler
  /** offsets.commit.timeout.ms; default 5000. */
  commitTimeoutMs?: number
}

export function openClusterGroupCoordinator(options: ClusterCoordinatorOptions): GroupCoordinator {
  const { config, logs, replication } = options
  const partitions = (): number => options.offsetsPartitions() ?? config.offsetsTopicNumPartitions
  const coordinator = newGroupCoordinator(
    new ReplicatedGroupLog(replication, partitions, options.commitTimeoutMs ?? 5000),
    options,
  )
  const loaded = new Set<number>()
  const partitionOf = (groupId: string): number => partitionForGroup(groupId, partitions())
  coordinator.ownsGroup = (groupId) => loaded.has(partitionOf(groupId))

  const load = (partition: number): void => {
    if (loaded.has(partition)) return
    const records = partitionRecords(logs, partition)
    // Groups of this partition only: a stale copy from an earlier leadership is replaced.
    coordinator.unload((g) => partitionOf(g) === partition)
    coordinator.load(records)
    loaded.add(partition)
    options.log?.('info', 'loaded group coordinator partition', {
      partition,
      records: records.length,
    })
  }
  const unload = (partition: number): void => {
    if (!loaded.delete(partition)) return
    const n = coordinator.unload((g) => partitionOf(g) === partition)
    options.log?.('info', 'unloaded group coordinator partition', { partition, groups: n })
  }

  replication.onLeadershipChange((topic, partition, leading) => {
    if (topic !== OFFSETS_TOPIC) return
    if (leading) load(partition)
    else unload(partition)
  })
  const n = options.offsetsPartitions()
  for (let p = 0; p < (n ?? 0); p++) if (replication.leader(OFFSETS_TOPIC, p) !== undefined) load(p)
  coordinator.start()
  return coordinator
}
