// Record-batch compression codecs (attribute bits 0-2): 1 gzip, 2 snappy, 3 lz4 (LZ4 frame),
// 4 zstd. Used by the cleaner only, off the hot path; every call runs on the libuv threadpool so
// the event loop never inflates a batch itself.
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd'
import { compressFrame as lz4CompressFrame, decompressFrame as lz4DecompressFrame } from 'lz4-napi'
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy'

export const CODEC_NONE = 0
export const CODEC_GZIP = 1
export const CODEC_SNAPPY = 2
export const CODEC_LZ4 = 3
export const CODEC_ZSTD = 4

export const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

const gzip = promisify(zlib.gzip)
const gunzip = promisify(zlib.gunzip)

/** Java clients wrap snappy in xerial's framing: magic, version 1, compatible version 1. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const XERIAL_HEADER = 16
/** xerial's default block size: each chunk holds at most this much uncompressed data. */
const XERIAL_BLOCK = 32 * 1024

/** How a compressed payload was framed, so a rewrite can use the same framing. */
export interface CodecFraming {
  xerialSnappy: boolean
}

export function isXerialSnappy(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER && data.subarray(0, 8).equals(XERIAL_MAGIC)
}

export async function decompress(codec: number, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case CODEC_NONE:
      return data
    case CODEC_GZIP:
      return gunzip(data)
    case CODEC_SNAPPY:
      return isXerialSnappy(data) ? unxerial(data) : snappyBlock(data)
    case CODEC_LZ4:
      return lz4DecompressFrame(data)
    case CODEC_ZSTD:
      return zstdDecompress(data)
    default:
      throw new Error(`unknown compression codec ${codec}`)
  }
}

export async function compress(
  codec: number,
  data: Buffer,
  framing: CodecFraming = { xerialSnappy: false },
): Promise<Buffer> {
  switch (codec) {
    case CODEC_NONE:
      return data
    case CODEC_GZIP:
      return gzip(data)
    case CODEC_SNAPPY:
      return framing.xerialSnappy ? xerial(data) : snappyCompress(data)
    case CODEC_LZ4:
      // Independent 64 KiB blocks, no checksums: what Kafka's Java LZ4 stream reads and writes.
      return lz4CompressFrame(data)
    case CODEC_ZSTD:
      return zstdCompress(data, 3)
    default:
      throw new Error(`unknown compression codec ${codec}`)
  }
}

async function snappyBlock(data: Buffer): Promise<Buffer> {
  const out = await snappyUncompress(data, { asBuffer: true })
  return typeof out === 'string' ? Buffer.from(out) : out
}

/** xerial framing: 16-byte header, then (int32 length, raw snappy block) chunks. */
async function unxerial(data: Buffer): Promise<Buffer> {
  const parts: Buffer[] = []
  let total = 0
  for (let pos = XERIAL_HEADER; pos < data.length;) {
    if (data.length - pos < 4) throw new Error('truncated xerial snappy chunk header')
    const len = data.readInt32BE(pos)
    pos += 4
    if (len < 0 || pos + len > data.length) throw new Error('truncated xerial snappy chunk')
    const part = await snappyBlock(data.subarray(pos, pos + len))
    parts.push(part)
    total += part.length
    pos += len
  }
  return joinParts(parts, total)
}

async function xerial(data: Buffer): Promise<Buffer> {
  const parts: Buffer[] = []
  let total = XERIAL_HEADER
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK) {
    const block = await snappyCompress(
      data.subarray(pos, Math.min(data.length, pos + XERIAL_BLOCK)),
    )
    const len = Buffer.allocUnsafe(4)
    len.writeInt32BE(block.length, 0)
    parts.push(len, block)
    total += 4 + block.length
  }
  const header = Buffer.alloc(XERIAL_HEADER)
  XERIAL_MAGIC.copy(header, 0)
  header.writeInt32BE(1, 8)
  header.writeInt32BE(1, 12)
  return joinParts([header, ...parts], total)
}

function joinParts(parts: readonly Buffer[], total: number): Buffer {
  if (parts.length === 1) return parts[0]
  const out = Buffer.allocUnsafe(total)
  let pos = 0
  for (const p of parts) {
    p.copy(out, pos)
    pos += p.length
  }
  return out
}
