// Idempotent-producer state (Kafka's ProducerStateManager, without transactions): per producer
// id the epoch and the last 5 batches, to answer retries with their original offsets and to
// reject gaps. Checks run on headers only.
import { KafkaError } from '../protocol/errors.js'
import { incrementSequence } from './record-batch.js'

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN (pairs with max.in.flight <= 5). */
export const BATCHES_TO_RETAIN = 5

export interface BatchMetadata {
  firstSeq: number
  lastSeq: number
  firstOffset: number
  lastOffset: number
}

export interface ProducerEntry {
  epoch: number
  batches: BatchMetadata[]
}

export type SequenceCheck =
  { kind: 'append' } | { kind: 'duplicate'; firstOffset: number; lastOffset: number }

export class ProducerStateManager {
  readonly producers = new Map<number, ProducerEntry>()

  /**
   * Checks one batch; `pending` holds the updates of earlier batches of the same append, so
   * several batches of one producer in one request are checked against each other.
   */
  check(
    producerId: number,
    epoch: number,
    firstSeq: number,
    lastOffsetDelta: number,
    isControl: boolean,
    pending: Map<number, ProducerEntry> | null,
  ): SequenceCheck {
    const entry = pending?.get(producerId) ?? this.producers.get(producerId)
    if (entry === undefined) return { kind: 'append' } // unknown producer: any start is accepted
    if (epoch < entry.epoch) {
      throw new KafkaError(
        'INVALID_PRODUCER_EPOCH',
        `producer ${producerId} epoch ${epoch} is older than ${entry.epoch}`,
      )
    }
    if (isControl) return { kind: 'append' }
    const lastSeq = incrementSequence(firstSeq, lastOffsetDelta)
    if (epoch === entry.epoch) {
      for (const b of entry.batches) {
        if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) {
          return { kind: 'duplicate', firstOffset: b.firstOffset, lastOffset: b.lastOffset }
        }
      }
      const last = entry.batches[entry.batches.length - 1]
      if (last !== undefined && firstSeq !== incrementSequence(last.lastSeq, 1)) {
        throw new KafkaError(
          'OUT_OF_ORDER_SEQUENCE_NUMBER',
          `producer ${producerId} expected sequence ${incrementSequence(last.lastSeq, 1)}, got ${firstSeq}`,
        )
      }
    } else if (firstSeq !== 0) {
      throw new KafkaError(
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
        `producer ${producerId} new epoch ${epoch} must start at sequence 0, got ${firstSeq}`,
      )
    }
    return { kind: 'append' }
  }

  /** Records an appended (or recovered) batch in `target` (the live map by default). */
  update(
    producerId: number,
    epoch: number,
    firstSeq: number,
    firstOffset: number,
    lastOffset: number,
    isControl: boolean,
    target: Map<number, ProducerEntry> = this.producers,
  ): void {
    let entry = target.get(producerId)
    if (entry === undefined && target !== this.producers) {
      const live = this.producers.get(producerId)
      entry = live === undefined ? undefined : { epoch: live.epoch, batches: live.batches.slice() }
      if (entry !== undefined) target.set(producerId, entry)
    }
    if (entry === undefined) {
      entry = { epoch, batches: [] }
      target.set(producerId, entry)
    }
    if (epoch !== entry.epoch) {
      entry.epoch = epoch
      entry.batches = []
    }
    if (isControl || firstSeq < 0) return
    const lastSeq = incrementSequence(firstSeq, lastOffset - firstOffset)
    entry.batches.push({ firstSeq, lastSeq, firstOffset, lastOffset })
    if (entry.batches.length > BATCHES_TO_RETAIN) entry.batches.shift()
  }

  /** Applies the staged updates of a successful append. */
  commit(pending: Map<number, ProducerEntry>): void {
    for (const [id, entry] of pending) this.producers.set(id, entry)
  }

  /** Forgets everything (truncation rebuilds from the log). */
  clear(): void {
    this.producers.clear()
  }

  /** Snapshot body: JSON (Kafka's .snapshot is a binary schema; ours is simpler, same role). */
  serialize(offset: number): string {
    return JSON.stringify({ version: 1, offset, producers: [...this.producers] })
  }

  /** Loads a snapshot; returns its offset, or -1 when the text is not a valid snapshot. */
  deserialize(text: string): number {
    try {
      const parsed = JSON.parse(text) as {
        version?: unknown
        offset?: unknown
        producers?: unknown
      }
      if (
        parsed.version !== 1 ||
        typeof parsed.offset !== 'number' ||
        !Array.isArray(parsed.producers)
      ) {
        return -1
      }
      this.producers.clear()
      for (const item of parsed.producers as [number, ProducerEntry][]) {
        const [id, entry] = item
        if (
          typeof id !== 'number' ||
          typeof entry?.epoch !== 'number' ||
          !Array.isArray(entry.batches)
        ) {
          this.producers.clear()
          return -1
        }
        this.producers.set(id, {
          epoch: entry.epoch,
          batches: entry.batches.slice(-BATCHES_TO_RETAIN),
        })
      }
      return parsed.offset
    } catch {
      return -1
    }
  }
}
