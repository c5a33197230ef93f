// An in-memory ClusterControl for replication tests: partition states set by the test (as the
// controller would), alterIsr as a CAS on the version, listeners fired like the etcd watch.
import { KafkaError } from '../../../src/protocol/errors.js'
import type { BrokerInfo, ClusterControl, PartitionState } from '../../../src/cluster/types.js'

/** The cluster's shared truth; each broker gets a FakeControl view of it. */
export class FakeCluster {
  readonly brokers = new Map<number, BrokerInfo>()
  readonly states = new Map<string, PartitionState>()
  readonly views: FakeControl[] = []
  private version = 1
  /** Every accepted alterIsr, in order. */
  readonly isrChanges: number[][] = []

  view(nodeId: number): FakeControl {
    const v = new FakeControl(this, nodeId)
    this.views.push(v)
    return v
  }

  /** Sets (or replaces) a partition state and tells every broker. */
  set(state: Omit<PartitionState, 'version'>): PartitionState {
    const full = { ...state, version: this.version++ }
    this.states.set(`${state.topic}-${state.partition}`, full)
    for (const v of this.views) v.fire(full)
    return full
  }

  get(topic: string, partition: number): PartitionState | undefined {
    return this.states.get(`${topic}-${partition}`)
  }
}

export class FakeControl implements ClusterControl {
  private readonly listeners: ((s: PartitionState) => void)[] = []
  constructor(
    private readonly cluster: FakeCluster,
    readonly nodeId: number,
  ) {}

  brokers(): BrokerInfo[] {
    return [...this.cluster.brokers.values()]
  }
  broker(nodeId: number): BrokerInfo | undefined {
    return this.cluster.brokers.get(nodeId)
  }
  partitionState(topic: string, partition: number): PartitionState | undefined {
    return this.cluster.get(topic, partition)
  }
  allPartitionStates(): PartitionState[] {
    return [...this.cluster.states.values()]
  }
  onPartitionState(listener: (state: PartitionState) => void): void {
    this.listeners.push(listener)
  }
  fire(state: PartitionState): void {
    for (const l of this.listeners) l(state)
  }
  async alterIsr(
    topic: string,
    partition: number,
    leaderEpoch: number,
    isr: number[],
    expectedVersion: number,
  ): Promise<PartitionState> {
    await Promise.resolve()
    const cur = this.cluster.get(topic, partition)
    if (cur === undefined || cur.leader !== this.nodeId)
      throw new KafkaError('NOT_LEADER_OR_FOLLOWER')
    if (cur.leaderEpoch !== leaderEpoch) throw new KafkaError('FENCED_LEADER_EPOCH')
    if (cur.version !== expectedVersion) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', 'stale')
    this.cluster.isrChanges.push([...isr])
    return this.cluster.set({ ...cur, isr })
  }
  controllerId(): number {
    return 0
  }
}
