// Kafka's offset checkpoint files: line 1 version (0), line 2 entry count, then
// `topic partition offset` per line. Written to <file>.tmp, fsync'd, renamed, directory fsync'd.
import path from 'node:path'
import type { FileSystem } from './fs.js'

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint'
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint'
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint'
export const CLEAN_SHUTDOWN_MARKER = '.kafka_cleanshutdown'

export interface CheckpointEntry {
  topic: string
  partition: number
  offset: number
}

/** Map key for a partition: the directory name. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`
}

export function formatCheckpoint(entries: readonly CheckpointEntry[]): string {
  let text = `0\n${entries.length}\n`
  for (const e of entries) text += `${e.topic} ${e.partition} ${e.offset}\n`
  return text
}

/** Parses a checkpoint; throws on a malformed file (Kafka refuses it too). */
export function parseCheckpoint(text: string): CheckpointEntry[] {
  const lines = text.split('\n').filter((l) => l.length > 0)
  if (lines[0] !== '0') throw new Error(`unsupported checkpoint version '${lines[0] ?? ''}'`)
  const count = Number(lines[1])
  if (!Number.isInteger(count) || count !== lines.length - 2) {
    throw new Error(`checkpoint declares ${lines[1]} entries, has ${lines.length - 2}`)
  }
  return lines.slice(2).map((line) => {
    const parts = line.split(' ')
    const partition = Number(parts[1])
    const offset = Number(parts[2])
    if (parts.length !== 3 || !Number.isInteger(partition) || !Number.isInteger(offset)) {
      throw new Error(`malformed checkpoint line '${line}'`)
    }
    return { topic: parts[0], partition, offset }
  })
}

export function readCheckpointFile(fs: FileSystem, file: string): Map<string, number> {
  const out = new Map<string, number>()
  if (!fs.exists(file)) return out
  const text = readWholeFile(fs, file).toString('utf8')
  for (const e of parseCheckpoint(text)) out.set(partitionKey(e.topic, e.partition), e.offset)
  return out
}

export async function writeCheckpointFile(
  fs: FileSystem,
  file: string,
  entries: readonly CheckpointEntry[],
): Promise<void> {
  await writeFileAtomic(fs, file, Buffer.from(formatCheckpoint(entries), 'utf8'))
}

/** tmp + fsync + rename + fsync of the directory. */
export async function writeFileAtomic(fs: FileSystem, file: string, data: Buffer): Promise<void> {
  const tmp = file + '.tmp'
  const fd = fs.open(tmp, 'w')
  try {
    let written = 0
    while (written < data.length) {
      const n = fs.pwritev(fd, [data.subarray(written)], written)
      if (n <= 0) throw Object.assign(new Error(`short write to ${tmp}`), { code: 'EIO' })
      written += n
    }
    await fs.fdatasync(fd)
  } finally {
    fs.close(fd)
  }
  fs.rename(tmp, file)
  await fs.fsyncDir(path.dirname(file))
}

export function readWholeFile(fs: FileSystem, file: string): Buffer {
  const fd = fs.open(file, 'r')
  try {
    const size = fs.fstatSize(fd)
    const buf = Buffer.alloc(size)
    let read = 0
    while (read < size) {
      const n = fs.read(fd, buf, read, size - read, read)
      if (n <= 0) break
      read += n
    }
    return buf.subarray(0, read)
  } finally {
    fs.close(fd)
  }
}
