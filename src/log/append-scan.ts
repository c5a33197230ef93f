// The header passes of an append, before and after its one write: validation and offset
// assignment for a leader's append, contiguity for a follower's, and the bookkeeping (producer
// state, leader epochs) the batches imply. Only batch headers are read; records are never parsed.
import { KafkaError } from '../protocol/errors.js'
import {
  ATTR_CONTROL,
  PARTITION_LEADER_EPOCH,
  batchAttributes,
  batchBaseOffset,
  batchBaseSequence,
  batchLastOffsetDelta,
  batchProducerEpoch,
  batchProducerId,
  batchRecordsCount,
  batchSize,
  patchBatch,
  setLogAppendTime,
  validateBatch,
} from './record-batch.js'
import type { LeaderEpochCache } from './leader-epoch-cache.js'
import type { ProducerEntry, ProducerStateManager } from './producer-state.js'

export type LeaderAppendScan =
  | {
      duplicate: false
      /** The log end offset once the append is written. */
      nextOffset: number
      messages: number
      /** Producer-state updates to commit once the write succeeded (null: no idempotent batch). */
      pending: Map<number, ProducerEntry> | null
    }
  | { duplicate: true; firstOffset: number; lastOffset: number }

/**
 * Validates every batch of a producer's record set (CRC, sizes, sequence numbers) as if appended
 * at `endOffset`. A retried batch of an idempotent producer stops the scan: the append is then a
 * duplicate answered with the offsets it got the first time.
 */
export function scanLeaderAppend(
  records: Buffer,
  maxMessageBytes: number,
  endOffset: number,
  producerState: ProducerStateManager,
): LeaderAppendScan {
  const end = records.length
  let pending: Map<number, ProducerEntry> | null = null
  let nextOffset = endOffset
  let messages = 0
  for (let pos = 0; pos < end;) {
    const size = validateBatch(records, pos, end, maxMessageBytes)
    const delta = batchLastOffsetDelta(records, pos)
    const producerId = batchProducerId(records, pos)
    if (producerId >= 0) {
      const epoch = batchProducerEpoch(records, pos)
      const seq = batchBaseSequence(records, pos)
      const control = (batchAttributes(records, pos) & ATTR_CONTROL) !== 0
      const verdict = producerState.check(producerId, epoch, seq, delta, control, pending)
      if (verdict.kind === 'duplicate') {
        return { duplicate: true, firstOffset: verdict.firstOffset, lastOffset: verdict.lastOffset }
      }
      pending ??= new Map()
      producerState.update(producerId, epoch, seq, nextOffset, nextOffset + delta, control, pending)
    }
    nextOffset += delta + 1
    messages += batchRecordsCount(records, pos)
    pos += size
  }
  return { duplicate: false, nextOffset, messages, pending }
}

/** Gives the batches their offsets from `firstOffset`, the leader epoch and (>= 0) the log append time. */
export function stampBatches(
  records: Buffer,
  firstOffset: number,
  leaderEpoch: number,
  logAppendTime: number,
): void {
  const end = records.length
  for (let pos = 0, offset = firstOffset; pos < end;) {
    const size = batchSize(records, pos)
    patchBatch(records, pos, offset, leaderEpoch)
    if (logAppendTime >= 0) setLogAppendTime(records, pos, size, logAppendTime)
    offset += batchLastOffsetDelta(records, pos) + 1
    pos += size
  }
}

/**
 * Checks a follower's record set (CRCs, contiguity from the log's end offset, as the leader
 * assigned the offsets). Returns the log end offset after it and the number of records.
 */
export function scanFollowerAppend(
  records: Buffer,
  log: { readonly topic: string; readonly partition: number; readonly logEndOffset: number },
): { nextOffset: number; messages: number } {
  const end = records.length
  let expected = log.logEndOffset
  let messages = 0
  for (let pos = 0; pos < end;) {
    const size = validateBatch(records, pos, end, Number.MAX_SAFE_INTEGER)
    const base = batchBaseOffset(records, pos)
    if (base !== expected) {
      throw new KafkaError(
        'CORRUPT_MESSAGE',
        `follower append at ${base} but ${log.topic}-${log.partition} ends at ${expected}`,
      )
    }
    expected = base + batchLastOffsetDelta(records, pos) + 1
    messages += batchRecordsCount(records, pos)
    pos += size
  }
  return { nextOffset: expected, messages }
}

/**
 * After a follower's write: leader epochs and producer state follow the batches, fencing
 * nothing (the leader already did).
 */
export function recordFollowerBatches(
  records: Buffer,
  epochs: LeaderEpochCache,
  producerState: ProducerStateManager,
): void {
  const end = records.length
  for (let pos = 0; pos < end;) {
    const base = batchBaseOffset(records, pos)
    const epoch = records.readInt32BE(pos + PARTITION_LEADER_EPOCH)
    if (epoch > epochs.latestEpoch) epochs.assign(epoch, base)
    const producerId = batchProducerId(records, pos)
    if (producerId >= 0) {
      producerState.update(
        producerId,
        batchProducerEpoch(records, pos),
        batchBaseSequence(records, pos),
        base,
        base + batchLastOffsetDelta(records, pos),
        (batchAttributes(records, pos) & ATTR_CONTROL) !== 0,
      )
    }
    pos += batchSize(records, pos)
  }
}
