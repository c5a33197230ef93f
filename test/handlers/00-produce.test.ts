import { mkdtemp, rm } from 'node:fs/promises'
import { readSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { produce, produceHandler } from '../../src/handlers/00-produce.js'
import { buildRecordBatch } from '../../src/log/batch-builder.js'
import { DEFAULT_LOG_CONFIG } from '../../src/log/log-config.js'
import { LogManager } from '../../src/log/log-manager.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import { ProduceRequestSchema, ProduceResponseSchema } from '../../src/protocol/messages/produce.js'
import type { ProduceRequest, ProduceResponse } from '../../src/protocol/messages/produce.js'
import { decodeFromBuffer, encodeToBuffer } from '../protocol/round-trip.js'
import type { RequestContext } from '../../src/server/handler.js'
import type { BrokerServices } from '../../src/broker-services.js'
import { CloseConnection } from '../../src/server/connection.js'

let dir: string
let logs: LogManager

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'samsa-produce-'))
  logs = await LogManager.open({ logDirs: [dir], defaults: DEFAULT_LOG_CONFIG })
  logs.create('t', 0)
  logs.create('t', 1)
})
afterEach(async () => {
  await logs.close()
  await rm(dir, { recursive: true, force: true })
})

function batch(n: number, extra: Partial<Parameters<typeof buildRecordBatch>[0]> = {}): Buffer {
  return buildRecordBatch({
    records: Array.from({ length: n }, (_, i) => ({
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`v${i}`),
    })),
    ...extra,
  })
}

function req(
  parts: { topic?: string; index: number; records: Buffer | null }[],
  over: Partial<ProduceRequest> = {},
): ProduceRequest {
  const byTopic = new Map<string, ProduceRequest['topicData'][0]>()
  for (const p of parts) {
    const name = p.topic ?? 't'
    let t = byTopic.get(name)
    if (t === undefined) byTopic.set(name, (t = { name, partitionData: [] }))
    t.partitionData.push({ index: p.index, records: p.records })
  }
  return {
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [...byTopic.values()],
    ...over,
  }
}

function parts(res: ProduceResponse): ProduceResponse['responses'][0]['partitionResponses'] {
  return res.responses.flatMap((r) => r.partitionResponses)
}

describe('Produce handler', () => {
  it('appends one batch per partition and answers base offsets', () => {
    const b0 = batch(3)
    const b1 = batch(2)
    const first = produce(
      req([
        { index: 0, records: b0 },
        { index: 1, records: b1 },
      ]),
      7,
      logs,
    )
    expect(first.anyError).toBe(false)
    expect(parts(first.response)).toEqual([
      {
        index: 0,
        errorCode: 0,
        baseOffset: 0,
        logAppendTimeMs: -1,
        logStartOffset: 0,
        recordErrors: [],
        errorMessage: null,
      },
      {
        index: 1,
        errorCode: 0,
        baseOffset: 0,
        logAppendTimeMs: -1,
        logStartOffset: 0,
        recordErrors: [],
        errorMessage: null,
      },
    ])
    const second = produce(req([{ index: 0, records: batch(4) }]), 9, logs)
    expect(parts(second.response)[0]).toMatchObject({ errorCode: 0, baseOffset: 3 })
    const log = logs.get('t', 0)!
    expect(log.logEndOffset).toBe(7)
    // the bytes on disk are the request's bytes (the base offset patched in place)
    const r = log.read(0, 1 << 20)
    try {
      const onDisk = Buffer.alloc(b0.length)
      readSync(r.regions[0]!.fd, onDisk, 0, b0.length, r.regions[0]!.position)
      expect(onDisk.equals(b0)).toBe(true)
    } finally {
      r.release()
    }
  })

  it('unknown partitions, bad batches and multiple batches fail per partition', () => {
    const bad = batch(1)
    bad.writeUInt32BE((bad.readUInt32BE(17) ^ 1) >>> 0, 17) // break the CRC
    const two = Buffer.concat([batch(1), batch(1)])
    const out = produce(
      req([
        { index: 0, records: batch(1) },
        { index: 9, records: batch(1) },
        { topic: 'nope', index: 0, records: batch(1) },
        { index: 1, records: bad },
        { index: 1, records: two },
        { index: 1, records: null },
      ]),
      8,
      logs,
    )
    expect(out.anyError).toBe(true)
    const codes = parts(out.response).map((p) => p.errorCode)
    // grouped by topic: t (0, 9, 1, 1, 1), then nope
    expect(codes).toEqual([
      0,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.CORRUPT_MESSAGE,
      ErrorCode.INVALID_RECORD,
      ErrorCode.INVALID_RECORD,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ])
    const failed = parts(out.response)[1]!
    expect(failed).toMatchObject({ baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 })
    expect(failed.errorMessage).toMatch(/UNKNOWN_TOPIC_OR_PARTITION/)
    expect(logs.get('t', 1)!.logEndOffset).toBe(0)
  })

  it('refuses v0-2, bad acks and transactional ids for every partition', () => {
    const b = batch(1)
    for (const [r, v, code] of [
      [req([{ index: 0, records: b }]), 2, ErrorCode.UNSUPPORTED_VERSION],
      [req([{ index: 0, records: b }], { acks: 2 }), 7, ErrorCode.INVALID_REQUIRED_ACKS],
      [
        req([{ index: 0, records: b }], { transactionalId: 'tx' }),
        7,
        ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      ],
    ] as const) {
      const out = produce(r, v, logs)
      expect(parts(out.response).map((p) => p.errorCode)).toEqual([code])
      expect(parts(out.response)[0]!.errorMessage).toBeNull() // no error message before v8
    }
    expect(logs.get('t', 0)!.logEndOffset).toBe(0)
  })

  it('a v2 request decodes and its UNSUPPORTED_VERSION answer encodes', () => {
    const r = req([{ index: 0, records: batch(1) }])
    const decoded = decodeFromBuffer<ProduceRequest>(
      ProduceRequestSchema,
      2,
      encodeToBuffer(ProduceRequestSchema, 2, r),
    )
    const { response } = produce(decoded, 2, logs)
    const back = decodeFromBuffer<ProduceResponse>(
      ProduceResponseSchema,
      2,
      encodeToBuffer(ProduceResponseSchema, 2, response),
    )
    expect(back.responses[0]!.partitionResponses[0]).toMatchObject({
      index: 0,
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      baseOffset: -1,
    })
    expect(logs.get('t', 0)!.logEndOffset).toBe(0)
  })

  it('an idempotent retry is answered with the original offsets and not appended twice', () => {
    const idem = (seq: number): Buffer =>
      batch(2, { producerId: 5, producerEpoch: 0, baseSequence: seq })
    produce(req([{ index: 0, records: batch(1) }]), 7, logs)
    const first = parts(produce(req([{ index: 0, records: idem(0) }]), 7, logs).response)[0]!
    expect(first).toMatchObject({ errorCode: 0, baseOffset: 1 })
    const retry = parts(produce(req([{ index: 0, records: idem(0) }]), 7, logs).response)[0]!
    expect(retry).toMatchObject({ errorCode: 0, baseOffset: 1 })
    expect(logs.get('t', 0)!.logEndOffset).toBe(3)
    const gap = parts(produce(req([{ index: 0, records: idem(7) }]), 7, logs).response)[0]!
    expect(gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER)
  })

  it('acks=all with min.insync.replicas above 1: NOT_ENOUGH_REPLICAS, nothing appended', () => {
    logs.create('strict', 0, { minInsyncReplicas: 2 })
    const all = produce(
      req([{ topic: 'strict', index: 0, records: batch(1) }], { acks: -1 }),
      9,
      logs,
    )
    expect(parts(all.response)[0]?.errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS)
    expect(logs.get('strict', 0)?.logEndOffset).toBe(0)
    const one = produce(req([{ topic: 'strict', index: 0, records: batch(1) }]), 9, logs)
    expect(parts(one.response)[0]?.errorCode).toBe(ErrorCode.NONE)
    // The default (1) accepts acks=all.
    const dflt = produce(req([{ index: 0, records: batch(1) }], { acks: -1 }), 9, logs)
    expect(parts(dflt.response)[0]?.errorCode).toBe(ErrorCode.NONE)
  })

  it('acks=0: no response, and the connection is closed when a partition failed', () => {
    const ctx = { apiVersion: 7, broker: { logs } as unknown as BrokerServices } as RequestContext
    expect(
      produceHandler.handle(req([{ index: 0, records: batch(1) }], { acks: 0 }), ctx),
    ).toBeNull()
    expect(logs.get('t', 0)!.logEndOffset).toBe(1)
    expect(() =>
      produceHandler.handle(req([{ index: 7, records: batch(1) }], { acks: 0 }), ctx),
    ).toThrow(CloseConnection)
    expect(
      produceHandler.handle(req([{ index: 0, records: batch(1) }], { acks: -1 }), ctx),
    ).not.toBeNull()
  })
})
