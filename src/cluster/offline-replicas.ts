// Replicas whose log a storage error took offline, shared through etcd so that the controller
// moves leadership away from them and keeps them out of the ISR. This is Kafka's log dir failure
// handling at partition grain: there a broker reports its failed log dirs and the controller
// treats every replica in them as offline.
//
// Each broker publishes `offline/<nodeId>` under its session lease, a JSON array of
// "topic/partition". The key goes with the lease; a restarted broker has loaded (and recovered)
// its logs again and reports none until one fails again. A replica stops being reported once its
// partition is deleted or moved off the broker.

import type { EtcdStore, StoredKv, WatchHandlers } from './etcd-store.js'
import type { LogFn } from '../log-fn.js'

export const OFFLINE = 'offline/'

const RETRY_MS = 500

function replicaKey(topic: string, partition: number): string {
  return `${topic}/${partition}`
}

/** Every broker's offline replicas, from the `offline/` watch. */
export class OfflineReplicas {
  private readonly byBroker = new Map<number, ReadonlySet<string>>()
  private readonly listeners: Array<(nodeId: number) => void> = []

  constructor(private readonly log: LogFn) {}

  /** Handlers for EtcdStore.watchPrefix(OFFLINE, ...). */
  watchHandlers(): WatchHandlers {
    return {
      snapshot: (kvs) => {
        const seen = new Set<number>()
        for (const kv of kvs) seen.add(this.apply(kv))
        for (const id of [...this.byBroker.keys()]) if (!seen.has(id)) this.drop(id)
      },
      put: (kv) => void this.apply(kv),
      delete: (key) => this.drop(Number(key.slice(OFFLINE.length))),
    }
  }

  /** Whether `nodeId` reported its replica of the partition offline. */
  isOffline(nodeId: number, topic: string, partition: number): boolean {
    return this.byBroker.get(nodeId)?.has(replicaKey(topic, partition)) === true
  }

  /** The brokers of `live` whose replica of the partition is not offline. */
  usable(topic: string, partition: number, live: ReadonlySet<number>): ReadonlySet<number> {
    const k = replicaKey(topic, partition)
    let usable: Set<number> | null = null
    for (const [id, keys] of this.byBroker) {
      if (!keys.has(k) || !live.has(id)) continue
      usable ??= new Set(live)
      usable.delete(id)
    }
    return usable ?? live
  }

  /** Fires with the node id whose list changed. */
  onChange(listener: (nodeId: number) => void): void {
    this.listeners.push(listener)
  }

  private apply(kv: StoredKv): number {
    const id = Number(kv.key.slice(OFFLINE.length))
    let replicas: unknown = null
    try {
      replicas = JSON.parse(kv.value)
    } catch {
      // Reported below.
    }
    if (!Array.isArray(replicas)) {
      this.log('warn', 'unreadable offline replica list in etcd', { key: kv.key })
      return id
    }
    this.byBroker.set(id, new Set(replicas.map(String)))
    this.emit(id)
    return id
  }

  private drop(id: number): void {
    if (this.byBroker.delete(id)) this.emit(id)
  }

  private emit(id: number): void {
    for (const fn of this.listeners) {
      try {
        fn(id)
      } catch (err) {
        this.log('error', 'offline replica listener failed', { error: (err as Error).message })
      }
    }
  }
}

/** This broker's side: keeps `offline/<nodeId>` equal to its set of offline replicas. */
export class OfflineReplicaReporter {
  private readonly replicas = new Set<string>()
  /** The last value etcd accepted; the store writes it again under every new lease. */
  private written: string | null = null
  private writing = false
  private retry: NodeJS.Timeout | null = null
  private closed = false

  constructor(
    private readonly store: EtcdStore,
    private readonly nodeId: number,
    private readonly log: LogFn,
  ) {
    // A new lease gets the last value written from the store; one that could not be written
    // while the session was down is written now.
    store.onSessionStarted(() => this.schedule())
  }

  report(topic: string, partition: number): void {
    const k = replicaKey(topic, partition)
    if (this.replicas.has(k)) return
    this.replicas.add(k)
    this.log('warn', 'reporting an offline replica to the controller', { topic, partition })
    this.schedule()
  }

  /** The partition left this broker (deleted, reassigned away). */
  forget(topic: string, partition: number): void {
    if (this.replicas.delete(replicaKey(topic, partition))) this.schedule()
  }

  close(): void {
    this.closed = true
    if (this.retry !== null) clearTimeout(this.retry)
  }

  private schedule(): void {
    if (this.writing || this.closed) return
    const value = JSON.stringify([...this.replicas].sort())
    if (value === this.written || (this.written === null && this.replicas.size === 0)) return
    this.writing = true
    this.store
      .putSessionKey(OFFLINE + String(this.nodeId), value, false)
      .then(
        () => {
          this.written = value
        },
        (err: unknown) => {
          // Session down: its restart schedules again. Otherwise a transient etcd error.
          if (!this.store.sessionAlive || this.closed) return
          this.log('warn', 'reporting offline replicas failed; retrying', {
            error: (err as Error).message,
          })
          this.retry ??= setTimeout(() => {
            this.retry = null
            this.schedule()
          }, RETRY_MS)
          this.retry.unref()
        },
      )
      .finally(() => {
        this.writing = false
        // Changes made while this write was on its way.
        if (this.written === value) this.schedule()
      })
  }
}
