// What handlers reach through ctx.broker: the broker's configuration, its stores and engines.
// One object per broker process, built by startBroker().

import type { ClusterNode } from './cluster/cluster-node.js'
import type { ReplicaManager } from './cluster/replication/replica-manager.js'
import type { BrokerConfig } from './config/broker-config.js'
import type { GroupCoordinator } from './group/coordinator.js'
import type { LogManager } from './log/log-manager.js'
import type { ProducerIdAllocator } from './metadata/producer-ids.js'
import type { TopicStore } from './metadata/topic-store.js'
import type { FetchPurgatory } from './server/fetch-purgatory.js'
import type { FetchSessionCache } from './server/fetch-sessions.js'
import type { AnyHandler } from './server/handler.js'
import type { BrokerStats } from './server/stats.js'
import type { LogFn } from './log-fn.js'
import type { Reachable } from './metadata/broker-endpoints.js'

export type { BrokerStats } from './server/stats.js'

export interface BrokerServices {
  config: BrokerConfig
  logs: LogManager
  topics: TopicStore
  purgatory: FetchPurgatory
  /** Incremental fetch sessions (KIP-227). */
  fetchSessions: FetchSessionCache
  producerIds: ProducerIdAllocator
  /** Cluster mode (metadata.store set): membership, partition states, ClusterControl. */
  cluster?: ClusterNode
  /** Cluster mode: replication (leader/follower roles, HW, ISR, acks=all waits). */
  replication?: ReplicaManager
  /** The consumer group coordinator (absent in handler-test fixtures that do not need it). */
  groups?: GroupCoordinator
  nodeId: number
  clusterId: string
  /** The address clients are told to connect to (first advertised listener, real port), and
   *  per listener name the address of that listener (broker-endpoints.ts). */
  advertised: Reachable
  stats: BrokerStats
  /** The handlers being served (ApiVersions lists them). */
  handlers: readonly AnyHandler[]
  log: LogFn
}
