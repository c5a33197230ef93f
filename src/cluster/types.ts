import type { Endpoints } from '../metadata/broker-endpoints.js'

export interface PartitionState {
  topic: string
  partition: number
  /** Assignment order; replicas[0] is the preferred leader. */
  replicas: number[]
  /** -1 = no leader (offline). */
  leader: number
  /** Bumped by the controller at every leader change. */
  leaderEpoch: number
  isr: number[]
  /** etcd mod revision of the state key, for CAS. */
  version: number
  /** Reassignment in progress: replicas being added (already in `replicas`, catching up). */
  addingReplicas?: number[]
  /** Reassignment in progress: replicas dropped once every target replica is in the ISR. */
  removingReplicas?: number[]
}

export interface BrokerInfo {
  nodeId: number
  /** The first advertised listener: replicas fetch from it. */
  host: string
  port: number
  rack: string | null
  /** Every advertised listener, by name (registrations before TLS support have none). */
  endpoints?: Endpoints
}

/** What the data plane (replication) needs from the control plane. */
export interface ClusterControl {
  readonly nodeId: number
  /** Live brokers. */
  brokers(): BrokerInfo[]
  broker(nodeId: number): BrokerInfo | undefined
  partitionState(topic: string, partition: number): PartitionState | undefined
  allPartitionStates(): PartitionState[]
  /** Fires for every new or changed partition state (after the local cache updated). */
  onPartitionState(listener: (state: PartitionState) => void): void
  /** Leader only: CAS the ISR (expected version); resolves with the new state, rejects on
   *  conflict with KafkaError('NOT_LEADER_OR_FOLLOWER') or FENCED_LEADER_EPOCH. */
  alterIsr(
    topic: string,
    partition: number,
    leaderEpoch: number,
    isr: number[],
    expectedVersion: number,
  ): Promise<PartitionState>
  controllerId(): number
}
