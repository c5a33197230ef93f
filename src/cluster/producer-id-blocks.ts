// Producer id blocks shared by the brokers of a cluster: one etcd key holds the end of the last
// block any broker reserved, moved by compare-and-swap. Each broker then hands out its block's
// ids on its own, so two producers never get the same id from different brokers (the sequence
// checks of a partition would otherwise mix them up: a retry taken for a duplicate is an
// acknowledged write that was never stored). Kafka's controller hands out blocks the same way
// (KIP-730).
import { KafkaError } from '../protocol/errors.js'
import { blockEnd } from '../metadata/producer-ids.js'
import type { EtcdStore } from './etcd-store.js'
import type { BlockReserver } from '../metadata/producer-ids.js'
import type { LogFn } from '../log-fn.js'

export const PRODUCER_ID_BLOCK_KEY = 'producer-id-block'
/** Brokers racing for blocks retry a lost swap; this many losses in a row are not a race. */
const MAX_ATTEMPTS = 50

export function etcdBlockReserver(
  store: Pick<EtcdStore, 'get' | 'cas' | 'createIfAbsent'>,
  log?: LogFn,
): BlockReserver {
  return async (floor, size) => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let won: number | null
      let start: number
      try {
        const kv = await store.get(PRODUCER_ID_BLOCK_KEY)
        const stored = kv === undefined ? 0 : Number(kv.value)
        if (!Number.isSafeInteger(stored) || stored < 0) {
          throw new Error(`corrupt ${PRODUCER_ID_BLOCK_KEY} in etcd: ${JSON.stringify(kv?.value)}`)
        }
        start = Math.max(stored, floor)
        const end = String(blockEnd(start, size))
        won =
          kv === undefined
            ? await store.createIfAbsent(PRODUCER_ID_BLOCK_KEY, end)
            : await store.cas(PRODUCER_ID_BLOCK_KEY, end, kv.version)
      } catch (err) {
        if (err instanceof KafkaError) throw err
        log?.('warn', 'reserving producer ids in etcd failed', { error: String(err) })
        // Retriable: the producer asks again (Kafka answers the same while it waits for a block).
        throw new KafkaError('COORDINATOR_LOAD_IN_PROGRESS', 'producer id block not available')
      }
      if (won !== null) return start
    }
    throw new KafkaError('COORDINATOR_LOAD_IN_PROGRESS', 'producer id block contended')
  }
}
