// A minimal Kafka wire client for server tests: sends raw frames and collects response frames.

import net from 'node:net'
import { encodeRequest, readResponseHeader } from '../../src/protocol/header.js'
import {
  ApiVersionsRequestSchema,
  ApiVersionsResponseSchema,
} from '../../src/protocol/messages/api-versions.js'
import type { ApiVersionsResponse } from '../../src/protocol/messages/api-versions.js'
import { Reader } from '../../src/protocol/primitives/reader.js'
import { Writer, concatChunks } from '../../src/protocol/primitives/writer.js'
import { decodeMessage } from '../../src/protocol/schema/codec.js'

export class RawClient {
  private buffered = Buffer.alloc(0)
  private readonly frames: Buffer[] = []
  private waiters: Array<() => void> = []
  closed = false
  readonly closedPromise: Promise<void>

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, c])
      while (this.buffered.length >= 4) {
        const size = this.buffered.readInt32BE(0)
        if (this.buffered.length < 4 + size) break
        this.frames.push(this.buffered.subarray(4, 4 + size))
        this.buffered = this.buffered.subarray(4 + size)
      }
      this.wake()
    })
    socket.on('error', () => undefined)
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true
        this.wake()
        resolve()
      }),
    )
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RawClient(s)))
      s.once('error', reject)
    })
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** Next response frame (without its size), or null when the connection closed first. */
  async next(timeoutMs = 10_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs
    while (this.frames.length === 0) {
      if (this.closed) return null
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('timed out waiting for a response')
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
    return this.frames.shift() as Buffer
  }

  /** Resolves true once the broker closed the connection (false on timeout). */
  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    const t = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref())
    return Promise.race([this.closedPromise.then(() => true), t])
  }

  close(): void {
    this.socket.destroy()
  }
}

export function apiVersionsRequest(
  version: number,
  correlationId: number,
  software = { name: 'samsa-test', version: '1.0.0' },
): Buffer {
  const enc = encodeRequest(
    new Writer(),
    ApiVersionsRequestSchema,
    version,
    correlationId,
    'test-client',
    {
      clientSoftwareName: software.name,
      clientSoftwareVersion: software.version,
    },
  )
  return concatChunks(enc)
}

/** A request frame with any header values and body bytes (header v1: client id 'raw'). */
export function rawRequest(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body = Buffer.alloc(0),
): Buffer {
  const clientId = Buffer.from('raw')
  const frame = Buffer.alloc(4 + 8 + 2 + clientId.length + body.length)
  frame.writeInt32BE(frame.length - 4, 0)
  frame.writeInt16BE(apiKey, 4)
  frame.writeInt16BE(apiVersion, 6)
  frame.writeInt32BE(correlationId, 8)
  frame.writeInt16BE(clientId.length, 12)
  clientId.copy(frame, 14)
  body.copy(frame, 14 + clientId.length)
  return frame
}

export function decodeApiVersions(
  frame: Buffer,
  version: number,
): { correlationId: number; body: ApiVersionsResponse } {
  const r = new Reader(frame)
  const correlationId = readResponseHeader(r, 0)
  const body = decodeMessage<ApiVersionsResponse>(ApiVersionsResponseSchema, version, r)
  if (r.remaining !== 0) throw new Error(`${r.remaining} bytes left after ApiVersions v${version}`)
  return { correlationId, body }
}
