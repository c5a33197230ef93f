import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrokerProcess } from '../helpers/broker-process.js'
import type { BrokerProcess } from '../helpers/broker-process.js'
import { RawClient, apiVersionsRequest, decodeApiVersions, rawRequest } from './raw-client.js'

let broker: BrokerProcess
const clients: RawClient[] = []

async function connect(): Promise<RawClient> {
  const c = await RawClient.connect(broker.port)
  clients.push(c)
  return c
}

/** The broker still answers ApiVersions on a fresh connection. */
async function expectServing(): Promise<void> {
  const c = await connect()
  c.write(apiVersionsRequest(2, 4242))
  const frame = await c.next()
  expect(frame).not.toBeNull()
  const { correlationId, body } = decodeApiVersions(frame as Buffer, 2)
  expect(correlationId).toBe(4242)
  expect(body.errorCode).toBe(0)
  c.close()
}

beforeAll(async () => {
  broker = await startBrokerProcess({ set: { 'socket.request.max.bytes': '1048576' } })
})

afterAll(async () => {
  for (const c of clients) c.close()
  await broker?.stop()
})

describe('dispatcher against a broker process', () => {
  it.each([0, 1, 2, 3])('ApiVersions v%i decodes and lists the served APIs', async (v) => {
    const c = await connect()
    c.write(apiVersionsRequest(v, 100 + v))
    const { correlationId, body } = decodeApiVersions((await c.next()) as Buffer, v)
    expect(correlationId).toBe(100 + v)
    expect(body.errorCode).toBe(0)
    const av = body.apiKeys.find((k) => k.apiKey === 18)
    expect(av).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 3 })
    const keys = body.apiKeys.map((k) => k.apiKey)
    expect(keys).toEqual([...keys].sort((a, b) => a - b))
    for (const k of body.apiKeys) expect(k.minVersion).toBeLessThanOrEqual(k.maxVersion)
    if (v >= 1) expect(body.throttleTimeMs).toBe(0)
    c.close()
  })

  it('ApiVersions v3 with an invalid client software name answers INVALID_REQUEST', async () => {
    const c = await connect()
    c.write(apiVersionsRequest(3, 9, { name: 'bad name!', version: '1.0' }))
    const { body } = decodeApiVersions((await c.next()) as Buffer, 3)
    expect(body.errorCode).toBe(42)
    expect(body.apiKeys).toEqual([])
    c.close()
  })

  it('ApiVersions v99 gets a v0 UNSUPPORTED_VERSION body with the ApiVersions range', async () => {
    const c = await connect()
    c.write(rawRequest(18, 99, 77, Buffer.from([1, 2, 3, 4, 5])))
    const frame = (await c.next()) as Buffer
    expect(frame.readInt32BE(0)).toBe(77)
    // franz-go peeks at body bytes 0-1 for the error code.
    expect(frame.readInt16BE(4)).toBe(35)
    const { body } = decodeApiVersions(frame, 0)
    expect(body.errorCode).toBe(35)
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }])
    // The connection stays usable for the retry with a lower version.
    c.write(apiVersionsRequest(3, 78))
    expect(decodeApiVersions((await c.next()) as Buffer, 3).body.errorCode).toBe(0)
    c.close()
  })

  it('pipelined requests are answered in request order', async () => {
    const c = await connect()
    const frames: Buffer[] = []
    for (let i = 0; i < 40; i++) frames.push(apiVersionsRequest(i % 4, 1000 + i))
    c.write(Buffer.concat(frames))
    for (let i = 0; i < 40; i++) {
      const { correlationId } = decodeApiVersions((await c.next()) as Buffer, i % 4)
      expect(correlationId).toBe(1000 + i)
    }
    c.close()
  })

  it('an unknown api key closes the connection; the broker stays up', async () => {
    const c = await connect()
    c.write(rawRequest(9999, 0, 1))
    expect(await c.next()).toBeNull()
    expect(await c.waitClosed()).toBe(true)
    await expectServing()
    expect(broker.output()).toMatch(/unknown api key 9999/)
  })

  it('an unsupported version of another API closes the connection', async () => {
    const c = await connect()
    c.write(rawRequest(3, 999, 1))
    expect(await c.next()).toBeNull()
    await expectServing()
  })

  it('a malformed request body closes the connection', async () => {
    const c = await connect()
    // ApiVersions v3 body: compact string length 200 with 2 bytes behind it.
    c.write(rawRequest(18, 3, 5, Buffer.from([0, 200, 1, 97, 98])))
    expect(await c.next()).toBeNull()
    await expectServing()
  })

  it('garbage bytes (an HTTP request) close the connection', async () => {
    const c = await connect()
    c.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
    expect(await c.waitClosed()).toBe(true)
    await expectServing()
  })

  it('a 2 GB declared frame closes the connection at once', async () => {
    const c = await connect()
    c.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 18, 0, 0]))
    expect(await c.waitClosed()).toBe(true)
    await expectServing()
    expect(broker.output()).toMatch(/exceeds socket.request.max.bytes/)
  })

  it('a truncated frame followed by close leaves the broker serving', async () => {
    const c = await connect()
    const full = apiVersionsRequest(2, 1)
    c.socket.end(full.subarray(0, full.length - 3))
    await c.waitClosed()
    await expectServing()
  })

  it('a client FIN after a request still gets the response (half-open)', async () => {
    const c = await connect()
    c.socket.end(apiVersionsRequest(1, 555))
    const frame = await c.next()
    expect(frame).not.toBeNull()
    expect(decodeApiVersions(frame as Buffer, 1).correlationId).toBe(555)
    expect(await c.waitClosed()).toBe(true)
  })
})
