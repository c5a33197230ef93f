// The ONE list of request handlers. Every src/handlers/NN-<api>.ts module exports its HandlerDef
// (as `handler` and as the default export); add one import line and one list entry per API.
// ApiVersions derives its answer from this list, so what is advertised is what is served.

import { handlersByKey } from './handler.js'
import type { AnyHandler } from './handler.js'
import produce from '../handlers/00-produce.js'
import fetch from '../handlers/01-fetch.js'
import listOffsets from '../handlers/02-list-offsets.js'
import metadata from '../handlers/03-metadata.js'
import apiVersions from '../handlers/18-api-versions.js'
import createTopics from '../handlers/19-create-topics.js'
import deleteTopics from '../handlers/20-delete-topics.js'
import deleteRecords from '../handlers/21-delete-records.js'
import initProducerId from '../handlers/22-init-producer-id.js'
import offsetForLeaderEpoch from '../handlers/23-offset-for-leader-epoch.js'
import describeConfigs from '../handlers/32-describe-configs.js'
import alterConfigs from '../handlers/33-alter-configs.js'
import createPartitions from '../handlers/37-create-partitions.js'
import incrementalAlterConfigs from '../handlers/44-incremental-alter-configs.js'
import alterPartitionReassignments from '../handlers/45-alter-partition-reassignments.js'
import listPartitionReassignments from '../handlers/46-list-partition-reassignments.js'
import describeCluster from '../handlers/60-describe-cluster.js'
import offsetCommit from '../handlers/08-offset-commit.js'
import offsetFetch from '../handlers/09-offset-fetch.js'
import findCoordinator from '../handlers/10-find-coordinator.js'
import joinGroup from '../handlers/11-join-group.js'
import heartbeat from '../handlers/12-heartbeat.js'
import leaveGroup from '../handlers/13-leave-group.js'
import syncGroup from '../handlers/14-sync-group.js'
import describeGroups from '../handlers/15-describe-groups.js'
import listGroups from '../handlers/16-list-groups.js'
import deleteGroups from '../handlers/42-delete-groups.js'
import offsetDelete from '../handlers/47-offset-delete.js'

export const handlers: AnyHandler[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  apiVersions,
  createTopics,
  deleteTopics,
  deleteRecords,
  initProducerId,
  offsetForLeaderEpoch,
  describeConfigs,
  alterConfigs,
  createPartitions,
  incrementalAlterConfigs,
  alterPartitionReassignments,
  listPartitionReassignments,
  describeCluster,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  deleteGroups,
  offsetDelete,
]

/** The handlers by API key; throws on a duplicate key (two modules claiming one API). */
export function registerAll(list: readonly AnyHandler[] = handlers): Map<number, AnyHandler> {
  return handlersByKey(list)
}
