// Shared helpers of the log tests: temporary dirs, batch construction and error names.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildRecordBatch } from '../../src/log/batch-builder.js'
import { DEFAULT_LOG_CONFIG } from '../../src/log/log-config.js'
import { KafkaError } from '../../src/protocol/errors.js'
import type { LogConfig } from '../../src/log/log-config.js'

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-log-'))
}

export function rmDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true })
}

/**
 * The path the kernel names for what `fd` refers to (an unlinked file keeps its last path, with
 * " (deleted)" appended); null once the number is closed. A closed number is soon handed to a new
 * file, which on ext4 even reuses the freed inode number: only the path tells them apart.
 */
export function fdTarget(fd: number): string | null {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`)
  } catch {
    return null
  }
}

export function config(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, fileDeleteDelayMs: 0, ...overrides }
}

/** A batch of `count` records whose values are `tag-i` padded to `size` bytes. */
export function batch(
  count: number,
  opts: {
    tag?: string
    size?: number
    timestamp?: number
    producerId?: number
    epoch?: number
    seq?: number
  } = {},
): Buffer {
  const records = []
  for (let i = 0; i < count; i++) {
    const v = Buffer.alloc(opts.size ?? 16, 0x61)
    v.write(`${opts.tag ?? 'r'}-${i}`)
    records.push({ key: null, value: v, timestamp: opts.timestamp })
  }
  return buildRecordBatch({
    records,
    baseTimestamp: opts.timestamp,
    producerId: opts.producerId,
    producerEpoch: opts.epoch,
    baseSequence: opts.seq,
  })
}

/** Reads the bytes of file regions (tests only: the broker sends them with sendfile). */
export function readRegions(
  regions: readonly { fd: number; position: number; length: number }[],
): Buffer {
  const parts = regions.map((r) => {
    const b = Buffer.alloc(r.length)
    fs.readSync(r.fd, b, 0, r.length, r.position)
    return b
  })
  return Buffer.concat(parts)
}

/** Base offsets of the batches in a byte range of whole batches. */
export function batchOffsets(buf: Buffer): number[] {
  const out: number[] = []
  for (let p = 0; p < buf.length; p += buf.readInt32BE(p + 8) + 12) {
    out.push(Number(buf.readBigInt64BE(p)))
  }
  return out
}

/** The Kafka error name `fn` throws, or 'NONE'; any other error is rethrown. */
export function errName(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof KafkaError) return err.errorName
    throw err
  }
  return 'NONE'
}
