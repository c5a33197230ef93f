// Producer ids for idempotent producers. Ids are reserved in blocks whose upper bound is stored
// durably before any id of the block is handed out, so an id is never issued twice, even across
// crashes (a crash only skips the rest of a block). A single node keeps the bound in a small file
// in its first log dir; a cluster keeps it in etcd, reserved by compare-and-swap, so that brokers
// never hand the same id to two producers (Kafka's controller allocates blocks the same way).
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { writeFileAtomic } from '../log/checkpoint.js'
import { realFileSystem } from '../log/fs.js'
import { KafkaError } from '../protocol/errors.js'

export const PRODUCER_ID_FILE = 'producer-id-block'
const DEFAULT_BLOCK_SIZE = 1000
// Epochs are int16; Kafka hands out a new id instead of wrapping (KIP-360).
const MAX_EPOCH = 32767 - 1
// Epochs are remembered only for bumps (KIP-360) of ids issued by this process; bounded so a
// stream of short-lived producers cannot grow memory without end.
const MAX_TRACKED = 100_000

export interface ProducerIdAndEpoch {
  producerId: number
  producerEpoch: number
}

/**
 * Stores that `size` ids from a start >= `floor` are taken and returns that start; the ids are
 * never returned again, by this store or any broker sharing it.
 */
export type BlockReserver = (floor: number, size: number) => Promise<number>

export interface ProducerIdAllocatorOptions {
  blockSize?: number
  /** Where blocks are reserved; default: the `producer-id-block` file of the dir. */
  reserver?: BlockReserver
}

/** The highest bound a `producer-id-block` file holds (0 without one). */
async function readBlockFile(dir: string): Promise<number> {
  const file = path.join(dir, PRODUCER_ID_FILE)
  try {
    const text = (await readFile(file, 'utf8')).trim()
    const bound = Number(text)
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(bound)) {
      throw new Error(`corrupt producer id file ${file}: ${JSON.stringify(text)}`)
    }
    return bound
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    return 0
  }
}

/** Blocks recorded in the dir's `producer-id-block` file (written, synced and renamed). */
export function fileBlockReserver(dir: string): BlockReserver {
  const file = path.join(dir, PRODUCER_ID_FILE)
  return async (floor, size) => {
    await writeFileAtomic(realFileSystem, file, Buffer.from(`${blockEnd(floor, size)}\n`))
    return floor
  }
}

export function blockEnd(start: number, size: number): number {
  const end = start + size
  if (!Number.isSafeInteger(end))
    throw new KafkaError('UNKNOWN_SERVER_ERROR', 'producer ids exhausted')
  return end
}

export class ProducerIdAllocator {
  private next: number
  private limit: number
  private reserving: Promise<void> | null = null
  private readonly epochs = new Map<number, number>()

  private constructor(
    private readonly reserver: BlockReserver,
    private readonly blockSize: number,
    start: number,
  ) {
    this.next = start
    this.limit = start
  }

  static async open(
    dir: string,
    options: ProducerIdAllocatorOptions = {},
  ): Promise<ProducerIdAllocator> {
    const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE
    if (!Number.isSafeInteger(blockSize) || blockSize < 1)
      throw new Error(`bad block size ${blockSize}`)
    // Ids this dir issued before (also before the broker joined a cluster) stay below every new
    // block.
    const start = await readBlockFile(dir)
    return new ProducerIdAllocator(options.reserver ?? fileBlockReserver(dir), blockSize, start)
  }

  /** The end of the last block reserved (the first id of the next block is at least this). */
  get reservedUpTo(): number {
    return this.limit
  }

  /** A fresh producer id, never issued before (by this log dir, or by the cluster). */
  async allocate(): Promise<number> {
    while (this.next >= this.limit) {
      this.reserving ??= this.reserveBlock().finally(() => {
        this.reserving = null
      })
      await this.reserving
    }
    const id = this.next++
    this.remember(id, 0)
    return id
  }

  /**
   * InitProducerId for a non-transactional producer. With the producer's current id and epoch
   * (v3+, KIP-360) the same id comes back with the epoch bumped when it matches what this broker
   * issued; otherwise (unknown id, stale epoch, epoch exhausted) a new id with epoch 0, which is
   * what Kafka answers idempotent producers in every case.
   */
  async init(current?: ProducerIdAndEpoch): Promise<ProducerIdAndEpoch> {
    if (current !== undefined && current.producerId >= 0) {
      const known = this.epochs.get(current.producerId)
      if (known !== undefined && known === current.producerEpoch && known < MAX_EPOCH) {
        this.remember(current.producerId, known + 1)
        return { producerId: current.producerId, producerEpoch: known + 1 }
      }
    }
    return { producerId: await this.allocate(), producerEpoch: 0 }
  }

  private remember(id: number, epoch: number): void {
    this.epochs.delete(id)
    this.epochs.set(id, epoch)
    if (this.epochs.size > MAX_TRACKED) {
      const oldest = this.epochs.keys().next()
      if (oldest.done !== true) this.epochs.delete(oldest.value)
    }
  }

  private async reserveBlock(): Promise<void> {
    const start = await this.reserver(Math.max(this.limit, this.next), this.blockSize)
    this.next = start
    this.limit = blockEnd(start, this.blockSize)
  }
}
