import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { initProducerId } from '../../src/handlers/22-init-producer-id.js'
import { PRODUCER_ID_FILE, ProducerIdAllocator } from '../../src/metadata/producer-ids.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import {
  InitProducerIdRequestSchema,
  InitProducerIdResponseSchema,
} from '../../src/protocol/messages/init-producer-id.js'
import type { InitProducerIdRequest } from '../../src/protocol/messages/init-producer-id.js'
import { encodeToBuffer, roundTripAllVersions } from '../protocol/round-trip.js'

function request(over: Partial<InitProducerIdRequest> = {}): InitProducerIdRequest {
  return {
    transactionalId: null,
    transactionTimeoutMs: 60_000,
    producerId: -1,
    producerEpoch: -1,
    ...over,
  }
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'samsa-pid-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('InitProducerId schema', () => {
  it('round-trips every version 0-4', () => {
    for (const transactionalId of [null, 'tx']) {
      roundTripAllVersions(InitProducerIdRequestSchema, () =>
        request({ transactionalId, producerId: 42, producerEpoch: 7 }),
      )
    }
    roundTripAllVersions(InitProducerIdResponseSchema, () => ({
      throttleTimeMs: 5,
      errorCode: 0,
      producerId: 2 ** 40,
      producerEpoch: 3,
    }))
  })

  it('matches the wire bytes of v0 and of flexible v4', () => {
    // v0: nullable string -1, timeout, no producer id/epoch
    expect(encodeToBuffer(InitProducerIdRequestSchema, 0, request()).toString('hex')).toBe(
      'ffff' + '0000ea60',
    )
    // v4: compact nullable string 0 (null), timeout, producer id, epoch, empty tagged fields
    expect(
      encodeToBuffer(
        InitProducerIdRequestSchema,
        4,
        request({ producerId: 5, producerEpoch: 1 }),
      ).toString('hex'),
    ).toBe('00' + '0000ea60' + '0000000000000005' + '0001' + '00')
    const res = { throttleTimeMs: 0, errorCode: 0, producerId: 1, producerEpoch: 0 }
    expect(encodeToBuffer(InitProducerIdResponseSchema, 1, res).toString('hex')).toBe(
      '00000000' + '0000' + '0000000000000001' + '0000',
    )
  })
})

describe('ProducerIdAllocator', () => {
  it('hands out increasing ids and never repeats them across reopen', async () => {
    const a = await ProducerIdAllocator.open(dir, { blockSize: 3 })
    const first = [await a.allocate(), await a.allocate(), await a.allocate(), await a.allocate()]
    expect(first).toEqual([0, 1, 2, 3])
    // the block reservation (3..5) is on disk before id 3 was handed out
    expect((await readFile(path.join(dir, PRODUCER_ID_FILE), 'utf8')).trim()).toBe('6')
    const b = await ProducerIdAllocator.open(dir, { blockSize: 3 })
    expect(await b.allocate()).toBe(6)
  })

  it('concurrent allocations get distinct ids', async () => {
    const a = await ProducerIdAllocator.open(dir, { blockSize: 2 })
    const ids = await Promise.all(Array.from({ length: 9 }, () => a.allocate()))
    expect(new Set(ids).size).toBe(9)
    expect(Math.max(...ids)).toBe(8)
  })

  it('rejects a corrupt block file instead of reusing ids', async () => {
    const { writeFile } = await import('node:fs/promises')
    await writeFile(path.join(dir, PRODUCER_ID_FILE), 'garbage\n')
    await expect(ProducerIdAllocator.open(dir)).rejects.toThrow(/corrupt/)
  })
})

describe('InitProducerId handler', () => {
  it('gives idempotent producers fresh ids with epoch 0', async () => {
    const alloc = await ProducerIdAllocator.open(dir)
    const one = await initProducerId(request(), alloc)
    const two = await initProducerId(request(), alloc)
    expect(one).toEqual({ throttleTimeMs: 0, errorCode: 0, producerId: 0, producerEpoch: 0 })
    expect(two.producerId).toBe(1)
  })

  it('bumps the epoch of a known producer (KIP-360), otherwise a new id', async () => {
    const alloc = await ProducerIdAllocator.open(dir)
    const first = await initProducerId(request(), alloc)
    const bumped = await initProducerId(
      request({ producerId: first.producerId, producerEpoch: 0 }),
      alloc,
    )
    expect(bumped).toMatchObject({ errorCode: 0, producerId: first.producerId, producerEpoch: 1 })
    const stale = await initProducerId(
      request({ producerId: first.producerId, producerEpoch: 0 }),
      alloc,
    )
    expect(stale.errorCode).toBe(0)
    expect(stale.producerId).not.toBe(first.producerId)
    expect(stale.producerEpoch).toBe(0)
    const unknown = await initProducerId(request({ producerId: 999_999, producerEpoch: 4 }), alloc)
    expect(unknown.producerId).not.toBe(999_999)
  })

  it('refuses transactional ids and half-given producer ids', async () => {
    const alloc = await ProducerIdAllocator.open(dir)
    expect(await initProducerId(request({ transactionalId: 'tx-1' }), alloc)).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      producerId: -1,
      producerEpoch: -1,
    })
    const half = await initProducerId(request({ producerId: 3, producerEpoch: -1 }), alloc)
    expect(half.errorCode).toBe(ErrorCode.INVALID_REQUEST)
  })
})
