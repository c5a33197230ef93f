import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { AdminClient, parseBootstrap } from '../../../src/admin/client/client.js'
import { decodeRecordBatches, nextOffsetAfter } from '../../../src/admin/client/records.js'
import { murmur2 } from '../../../src/cli/admin/produce.js'
import { CODEC_NAMES, compress } from '../../../src/log/cleaner/codecs.js'
import { buildRecordBatch } from '../../../src/log/batch-builder.js'
import {
  ATTRIBUTES,
  HEADER_SIZE,
  LENGTH,
  LOG_OVERHEAD,
  writeInt64,
} from '../../../src/log/record-batch.js'

function batch(baseOffset: number, n: number, control = false): Buffer {
  const b = buildRecordBatch({
    baseOffset,
    baseTimestamp: 1_700_000_000_000,
    control,
    records: Array.from({ length: n }, (_, i) => ({
      key: i % 2 === 0 ? Buffer.from(`k${i}`) : null,
      value: Buffer.from(`value-${baseOffset + i}`),
      headers: [{ key: 'h', value: Buffer.from(String(i)) }],
      timestamp: 1_700_000_000_000 + i,
    })),
  })
  return b
}

describe('record batch decoding', () => {
  it('decodes keys, values, headers, offsets and timestamps of v2 batches', async () => {
    const data = Buffer.concat([batch(10, 3), batch(13, 2)])
    const recs = await decodeRecordBatches(data)
    expect(recs.map((r) => r.offset)).toEqual([10, 11, 12, 13, 14])
    expect(recs[0]?.key?.toString()).toBe('k0')
    expect(recs[1]?.key).toBeNull()
    expect(recs[4]?.value?.toString()).toBe('value-14')
    expect(recs[2]?.timestamp).toBe(1_700_000_000_002)
    expect(recs[1]?.headers).toEqual([{ key: 'h', value: Buffer.from('1') }])
    expect(nextOffsetAfter(data)).toBe(15)
  })

  it('ignores a truncated last batch and skips control batches', async () => {
    const data = Buffer.concat([batch(0, 2), batch(2, 1, true), batch(3, 4)])
    const cut = data.subarray(0, data.length - 5)
    const recs = await decodeRecordBatches(cut)
    expect(recs.map((r) => r.offset)).toEqual([0, 1])
    // the control batch still moves the position on
    expect(nextOffsetAfter(cut)).toBe(3)
  })

  it('decodes batches of every codec, and names a batch that does not decompress', async () => {
    const plain = batch(5, 3)
    /** `plain` with its records compressed by `codec` (header length and attributes fixed up). */
    const compressed = async (codec: number, xerialSnappy = false): Promise<Buffer> => {
      const body = await compress(codec, plain.subarray(HEADER_SIZE), { xerialSnappy })
      const out = Buffer.concat([plain.subarray(0, HEADER_SIZE), body])
      out.writeInt32BE(out.length - LOG_OVERHEAD, LENGTH)
      out.writeInt16BE(codec, ATTRIBUTES)
      return out
    }
    const cases: Array<[number, boolean]> = [
      [1, false],
      [2, false],
      [2, true],
      [3, false],
      [4, false],
    ]
    for (const [codec, xerial] of cases) {
      const recs = await decodeRecordBatches(await compressed(codec, xerial))
      expect(
        recs.map((r) => r.value?.toString()),
        CODEC_NAMES[codec],
      ).toEqual(['value-5', 'value-6', 'value-7'])
    }
    // Records claimed to be zstd that are not: the batch is named, nothing is returned.
    const fake = Buffer.from(plain)
    fake.writeInt16BE(4, ATTRIBUTES)
    writeInt64(fake, 0, 99)
    await expect(decodeRecordBatches(fake)).rejects.toThrow(/offset 99: zstd data does not/)
    fake.writeInt16BE(6, ATTRIBUTES)
    await expect(decodeRecordBatches(fake)).rejects.toThrow(/unknown compression codec 6/)
  })
})

describe('murmur2 partitioner', () => {
  it("matches the Java client's murmur2 (Kafka UtilsTest vectors)", () => {
    const cases: Record<string, number> = {
      '21': -973932308,
      foobar: -790332482,
      'a-little-bit-long-string': -985981536,
      'a-little-bit-longer-string': -1486304829,
      lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
      abc: 479470107,
    }
    for (const [k, v] of Object.entries(cases)) expect(murmur2(Buffer.from(k))).toBe(v)
  })
})

describe('admin client connection', () => {
  it('parses bootstrap lists and rejects malformed ones', () => {
    expect(parseBootstrap('a:1, [::1]:9092')).toEqual([
      { host: 'a', port: 1 },
      { host: '::1', port: 9092 },
    ])
    expect(() => parseBootstrap('nohost')).toThrow(/'nohost' is not host:port/)
  })

  it('says the broker is not running when the port refuses', async () => {
    const srv = net.createServer()
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const port = (srv.address() as net.AddressInfo).port
    await new Promise<void>((r) => srv.close(() => r()))
    await expect(AdminClient.connect(`127.0.0.1:${port}`)).rejects.toThrow(
      `cannot reach 127.0.0.1:${port}: is the broker running? (ECONNREFUSED)`,
    )
  })

  it('times out on a listener that never answers', async () => {
    const sockets: net.Socket[] = []
    const srv = net.createServer((s) => sockets.push(s))
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const port = (srv.address() as net.AddressInfo).port
    try {
      await expect(AdminClient.connect(`127.0.0.1:${port}`, { timeoutMs: 300 })).rejects.toThrow(
        /ApiVersions to 127\.0\.0\.1:\d+ got no answer within 300 ms/,
      )
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => srv.close(() => r()))
    }
  })
})
