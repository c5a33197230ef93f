// Start-up half of the compaction swap (Kafka's LogLoader swap handling). A `<base>.log.swap`
// is a complete cleaned segment (written, fsync'd, then renamed): the segments whose base offsets
// it covers are replaced by it, then it takes its final name. Index `.swap` files and `.cleaned`
// leftovers are simply deleted by the loader: the indexes are rebuilt from the log.
import path from 'node:path'
import { BatchScanner } from '../batch-scanner.js'
import type { FileSystem } from '../fs.js'
import type { LogFn } from '../../log-fn.js'

const LOG_SWAP = /^(\d{20})\.log\.swap$/
const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)(\.deleted)?$/

/** Completes every interrupted swap of a partition directory; returns how many there were. */
export function completeInterruptedSwaps(fs: FileSystem, dir: string, log?: LogFn): number {
  let completed = 0
  for (const name of fs.readdir(dir)) {
    const m = LOG_SWAP.exec(name)
    if (m === null) continue
    const base = Number(m[1])
    const swapPath = path.join(dir, name)
    const next = nextOffsetOf(fs, swapPath, base)
    // The file at `base` itself is always replaced, even by an empty cleaned segment.
    const coveredEnd = Math.max(next, base + 1)
    for (const other of fs.readdir(dir)) {
      const s = SEGMENT_FILE.exec(other)
      if (s === null) continue
      const b = Number(s[1])
      if (b >= base && b < coveredEnd) fs.unlink(path.join(dir, other))
    }
    fs.rename(swapPath, path.join(dir, name.slice(0, -'.swap'.length)))
    log?.('warn', 'completed an interrupted compaction swap', { dir, segment: base, next })
    completed++
  }
  return completed
}

function nextOffsetOf(fs: FileSystem, file: string, base: number): number {
  const fd = fs.open(file, 'r')
  try {
    const scanner = new BatchScanner(fs)
    scanner.reset(fd, 0, fs.fstatSize(fd))
    let next = base
    while (scanner.next()) next = scanner.lastOffset + 1
    return next
  } finally {
    fs.close(fd)
  }
}
