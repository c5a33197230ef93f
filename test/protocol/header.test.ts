import { describe, expect, it } from 'vitest'
import { apiKeyOf, apiName, ApiKey } from '../../src/protocol/api-keys.js'
import {
  encodeFrame,
  parseRequestHeaderPrefix,
  readRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  writeRequestHeader,
  writeResponseHeader,
} from '../../src/protocol/header.js'
import { ProtocolError, Reader } from '../../src/protocol/primitives/reader.js'
import { Writer, concatChunks } from '../../src/protocol/primitives/writer.js'

describe('header versions', () => {
  it('request header: 2 when flexible, 1 otherwise, 0 for ControlledShutdown v0', () => {
    expect(requestHeaderVersion(0, 9, () => true)).toBe(2)
    expect(requestHeaderVersion(0, 8, () => false)).toBe(1)
    expect(requestHeaderVersion(7, 0, () => false)).toBe(0)
    expect(requestHeaderVersion(7, 1, () => false)).toBe(1)
  })

  it('response header: 1 when flexible, but ApiVersions always 0', () => {
    expect(responseHeaderVersion(0, 9, true)).toBe(1)
    expect(responseHeaderVersion(0, 8, false)).toBe(0)
    expect(responseHeaderVersion(18, 3, true)).toBe(0)
    expect(responseHeaderVersion(18, 0, false)).toBe(0)
  })
})

describe('request header parsing', () => {
  it('reads the prefix of any request, and rejects short frames', () => {
    const b = Buffer.from('0001000cfffffffe', 'hex')
    expect(parseRequestHeaderPrefix(b)).toEqual({ apiKey: 1, apiVersion: 12, correlationId: -2 })
    expect(() => parseRequestHeaderPrefix(b.subarray(0, 7))).toThrow(ProtocolError)
  })

  it('v2 skips unknown header tags; null client id round-trips', () => {
    const w = new Writer()
    writeRequestHeader(w, { apiKey: 3, apiVersion: 12, correlationId: 9, clientId: null }, 1)
    const v1 = concatChunks(w.finish())
    expect(v1.toString('hex')).toBe('0003000c00000009ffff')
    const v2 = Buffer.concat([v1, Buffer.from('01 05 02 abcd 77'.replace(/ /g, ''), 'hex')])
    const r = new Reader(v2)
    expect(readRequestHeader(r, 2)).toEqual({
      apiKey: 3,
      apiVersion: 12,
      correlationId: 9,
      clientId: null,
    })
    expect(r.int8()).toBe(0x77)
  })

  it('v0 has no client id', () => {
    const r = new Reader(Buffer.from('0007000000000001aa', 'hex'))
    expect(readRequestHeader(r, 0).clientId).toBe(null)
    expect(r.remaining).toBe(1)
  })

  it('truncated headers are ProtocolErrors', () => {
    const r = new Reader(Buffer.from('0003000c000000090005616263', 'hex'))
    expect(() => readRequestHeader(r, 1)).toThrow(ProtocolError)
  })
})

describe('framing', () => {
  it('encodeFrame writes the size of everything after it', () => {
    const w = new Writer(8)
    const out = encodeFrame(w, (fw) => {
      writeResponseHeader(fw, 77, 1)
      fw.string('x'.repeat(100))
    })
    const b = concatChunks(out)
    expect(b.readInt32BE(0)).toBe(4 + 1 + 2 + 100)
    expect(b.length).toBe(4 + 107)
    expect(b.readInt32BE(4)).toBe(77)
    expect(b[8]).toBe(0)
  })

  it('refuses a writer with unfinished data', () => {
    const w = new Writer()
    w.int8(1)
    expect(() => encodeFrame(w, () => {})).toThrow()
  })
})

describe('api keys', () => {
  it('maps keys and names both ways', () => {
    expect(apiName(0)).toBe('Produce')
    expect(apiName(18)).toBe('ApiVersions')
    expect(apiName(60)).toBe('DescribeCluster')
    expect(apiName(68)).toBe('ConsumerGroupHeartbeat')
    expect(apiName(999)).toBe('Unknown(999)')
    expect(apiName(-1)).toBe('Unknown(-1)')
    expect(ApiKey.IncrementalAlterConfigs).toBe(44)
    expect(ApiKey.InitProducerId).toBe(22)
    expect(apiKeyOf('DeleteRecords')).toBe(21)
    expect(apiKeyOf('Nope')).toBe(undefined)
  })
})
