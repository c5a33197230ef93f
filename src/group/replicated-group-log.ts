// Cluster mode's group store: group records go to the __consumer_offsets partition this broker
// leads, stamped with its leader epoch, and a write counts only once the partition's high
// watermark passes it (the acks=all wait of Produce), so a committed offset or a stored
// assignment survives the loss of this broker.

import type { ReplicaManager } from '../cluster/replication/replica-manager.js'
import { KafkaError } from '../protocol/errors.js'
import { groupBatch } from './group-log.js'
import type { GroupLog, KeyValue } from './group-log.js'
import { OFFSETS_TOPIC, partitionForGroup } from './records.js'

export type GroupReplication = Pick<ReplicaManager, 'checkProduce' | 'awaitReplication'>

export class ReplicatedGroupLog implements GroupLog {
  constructor(
    private readonly replication: GroupReplication,
    /** The current partition count of __consumer_offsets. */
    private readonly partitions: () => number,
    /** offsets.commit.timeout.ms: the longest wait for the followers. */
    private readonly timeoutMs = 5000,
    private readonly clock: () => number = Date.now,
  ) {}

  async append(groupId: string, records: readonly KeyValue[]): Promise<void> {
    if (records.length === 0) return
    const partition = partitionForGroup(groupId, this.partitions())
    // NOT_LEADER_OR_FOLLOWER (-> NOT_COORDINATOR) or NOT_ENOUGH_REPLICAS before writing.
    const leader = this.replication.checkProduce(OFFSETS_TOPIC, partition, -1)
    const now = this.clock()
    const batch = groupBatch(records, now, leader.leaderEpoch)
    const info = leader.log.append(batch, { now, leaderEpoch: leader.leaderEpoch })
    const outcome = await this.replication.awaitReplication(
      OFFSETS_TOPIC,
      partition,
      info.lastOffset + 1,
      this.timeoutMs,
    )
    if (outcome !== 'NONE')
      throw new KafkaError(outcome, `${OFFSETS_TOPIC}-${partition} write not replicated`)
  }
}
