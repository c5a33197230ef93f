// A partition's producer state on disk: `<offset>.snapshot` files written at clean shutdown, and
// the rebuild at load (newest usable snapshot plus a header scan of the batches after it).
import path from 'node:path'
import { readWholeFile, writeFileAtomic } from './checkpoint.js'
import { ATTR_CONTROL } from './record-batch.js'
import { segmentFileName } from './segment.js'
import { segmentIndexFor } from './segment-reader.js'
import type { BatchScanner } from './batch-scanner.js'
import type { FileSystem } from './fs.js'
import type { ProducerStateManager } from './producer-state.js'
import type { LogSegment } from './segment.js'

const SNAPSHOT_NAME = /^(\d{20})\.snapshot$/

/**
 * Producer state = newest snapshot at or below the log end + a header scan of what follows it.
 * Snapshots beyond the log end (left by a truncation) are removed. Without a snapshot only the
 * last segment is scanned (producers seen only in older segments are unknown, which Kafka
 * accepts as a new producer).
 */
export function loadProducerState(
  fs: FileSystem,
  dir: string,
  segments: readonly LogSegment[],
  endOffset: number,
  scanner: BatchScanner,
  state: ProducerStateManager,
): void {
  let snapshotOffset = -1
  for (const name of fs.readdir(dir)) {
    const m = SNAPSHOT_NAME.exec(name)
    if (m === null) continue
    const off = Number(m[1])
    if (off > endOffset) fs.unlink(path.join(dir, name))
    else if (off > snapshotOffset) snapshotOffset = off
  }
  let from = segments[segments.length - 1].baseOffset
  if (snapshotOffset >= 0) {
    const file = path.join(dir, segmentFileName(snapshotOffset, '.snapshot'))
    const loaded = state.deserialize(readWholeFile(fs, file).toString('utf8'))
    if (loaded === snapshotOffset) from = Math.max(segments[0].baseOffset, snapshotOffset)
    else state.clear()
  }
  for (let i = segmentIndexFor(segments, from); i < segments.length; i++) {
    const seg = segments[i]
    scanner.reset(seg.fd, 0, seg.size)
    while (scanner.next()) {
      if (scanner.baseOffset < from || scanner.producerId < 0) continue
      state.update(
        scanner.producerId,
        scanner.producerEpoch,
        scanner.baseSequence,
        scanner.baseOffset,
        scanner.lastOffset,
        (scanner.attributes & ATTR_CONTROL) !== 0,
      )
    }
  }
}

/** Writes `<endOffset>.snapshot` atomically, then removes every other snapshot. */
export async function writeProducerSnapshot(
  fs: FileSystem,
  dir: string,
  endOffset: number,
  state: ProducerStateManager,
): Promise<void> {
  const name = segmentFileName(endOffset, '.snapshot')
  await writeFileAtomic(fs, path.join(dir, name), Buffer.from(state.serialize(endOffset)))
  for (const other of fs.readdir(dir)) {
    if (other.endsWith('.snapshot') && other !== name) fs.unlink(path.join(dir, other))
  }
}
