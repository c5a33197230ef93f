// One TCP connection to a Kafka-compatible broker for the admin tools: frames requests with our
// protocol codec, matches responses to requests by correlation id (the broker answers in order,
// but the id is checked anyway), and negotiates each API's version with ApiVersions on connect:
// min(our max, the broker's max), refused when the ranges do not overlap.

import net from 'node:net'
import { encodeRequest, readResponseHeader, responseHeaderVersion } from '../../protocol/header.js'
import {
  ApiVersionsRequestSchema,
  ApiVersionsResponseSchema,
} from '../../protocol/messages/api-versions.js'
import type {
  ApiVersionsRequest,
  ApiVersionsResponse,
} from '../../protocol/messages/api-versions.js'
import { apiName } from '../../protocol/api-keys.js'
import { errorName } from '../../protocol/errors.js'
import { Reader } from '../../protocol/primitives/reader.js'
import { Writer, concatChunks } from '../../protocol/primitives/writer.js'
import { decodeMessage, messageVersionIsFlexible } from '../../protocol/schema/codec.js'
import type { MessageSchema } from '../../protocol/schema/dsl.js'
import { FrameReader } from '../../server/frame-reader.js'
import { onreadInto } from '../../server/owned-reads.js'
import { FrameSplitter } from './frame-splitter.js'

/** An error the CLI prints as is: it already says what went wrong and what to do. */
export class ClientError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ClientError'
  }
}

export interface ConnectOptions {
  clientId?: string
  /** Connect and per-request timeout. Default 15 s. */
  timeoutMs?: number
  /**
   * Read responses into one reused buffer (socket `onread`) and decode them in place: no buffer
   * per read or per response, so a stream of large fetch responses allocates nothing. The price:
   * one request at a time, and the Buffers inside a response (fetched records) are views that
   * stay valid only until the next request is sent. The follower's fetcher uses it.
   */
  readInPlace?: boolean
}

interface Pending {
  correlationId: number
  schema: MessageSchema
  version: number
  resolve(body: unknown): void
  reject(err: Error): void
  timer: NodeJS.Timeout
}

const UNSUPPORTED_VERSION = 35
/** Largest response frame accepted in readInPlace mode (fetch.max.bytes is far below it). */
const RESPONSE_MAX_BYTES = 1 << 30

export function describeSocketError(
  host: string,
  port: number,
  err: NodeJS.ErrnoException,
): string {
  const where = `${host}:${port}`
  switch (err.code) {
    case 'ECONNREFUSED':
      return `cannot reach ${where}: is the broker running? (ECONNREFUSED)`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${host}: check the --bootstrap-server host name (${err.code})`
    case 'ETIMEDOUT':
      return `cannot reach ${where}: connection timed out; check the address and firewall (ETIMEDOUT)`
    case 'ECONNRESET':
    case 'EPIPE':
      return `${where} closed the connection (${err.code}); is it a Kafka listener?`
    default:
      return `cannot reach ${where}: ${err.message}${err.code === undefined ? '' : ` (${err.code})`}`
  }
}

export class KafkaConnection {
  private nextCorrelationId = 1
  private readonly pending: Pending[] = []
  private readonly frames = new FrameSplitter(
    (frame) => this.onFrame(frame),
    (err) => this.framingFailed(err),
  )
  private closedError: Error | null = null
  private readonly inPlace: boolean
  /** apiKey -> [min, max] the broker advertises. */
  readonly brokerVersions = new Map<number, { min: number; max: number }>()

  private constructor(
    private readonly socket: net.Socket,
    readonly host: string,
    readonly port: number,
    private readonly clientId: string,
    private readonly timeoutMs: number,
    inPlace: boolean,
  ) {
    socket.setNoDelay(true)
    this.inPlace = inPlace
    if (!inPlace) socket.on('data', (c: Buffer) => this.frames.push(c))
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.fail(new ClientError(describeSocketError(host, port, err)))
    })
    socket.on('close', () => {
      this.fail(new ClientError(`${host}:${port} closed the connection`))
    })
  }

  static async connect(
    host: string,
    port: number,
    options: ConnectOptions = {},
  ): Promise<KafkaConnection> {
    const timeoutMs = options.timeoutMs ?? 15_000
    let deliver: (frame: Buffer) => void = () => {}
    let late: ((err: Error) => void) | null = null
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      let onread: net.OnReadOpts | undefined
      if (options.readInPlace === true) {
        const r = new FrameReader(RESPONSE_MAX_BYTES, (frame) => deliver(frame), undefined, 4)
        onread = onreadInto(r, (err) => late?.(err))
      }
      const s = net.connect({ host, port, onread })
      const timer = setTimeout(() => {
        s.destroy()
        reject(
          new ClientError(
            describeSocketError(
              host,
              port,
              Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }),
            ),
          ),
        )
      }, timeoutMs)
      s.once('connect', () => {
        clearTimeout(timer)
        s.removeAllListeners('error')
        resolve(s)
      })
      s.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        reject(new ClientError(describeSocketError(host, port, err)))
      })
    })
    const conn = new KafkaConnection(
      socket,
      host,
      port,
      options.clientId ?? 'samsa-cli',
      timeoutMs,
      options.readInPlace === true,
    )
    deliver = (frame) => {
      if (conn.closedError === null) conn.onFrame(frame)
    }
    late = (err) => conn.framingFailed(err)
    try {
      await conn.negotiate()
    } catch (err) {
      conn.close()
      throw err
    }
    return conn
  }

  private async negotiate(): Promise<void> {
    const body: ApiVersionsRequest = {
      clientSoftwareName: 'samsa-cli',
      clientSoftwareVersion: '0.1.0',
    }
    let res = await this.sendAt<ApiVersionsRequest, ApiVersionsResponse>(
      ApiVersionsRequestSchema,
      ApiVersionsResponseSchema,
      3,
      body,
    )
    // An older broker answers a version it does not know with v0 and its supported range.
    if (res.errorCode === UNSUPPORTED_VERSION)
      res = await this.sendAt(ApiVersionsRequestSchema, ApiVersionsResponseSchema, 0, body)
    if (res.errorCode !== 0)
      throw new ClientError(`ApiVersions failed: ${errorName(res.errorCode)}`)
    for (const k of res.apiKeys)
      this.brokerVersions.set(k.apiKey, { min: k.minVersion, max: k.maxVersion })
  }

  /** The version to use for this request schema: the highest both sides support. */
  versionFor(schema: MessageSchema): number {
    const broker = this.brokerVersions.get(schema.apiKey)
    if (broker === undefined)
      throw new ClientError(
        `the broker at ${this.host}:${this.port} does not support ${apiName(schema.apiKey)}`,
      )
    const max = Math.min(schema.validVersions.max, broker.max)
    if (max < Math.max(schema.validVersions.min, broker.min))
      throw new ClientError(
        `no common version of ${apiName(schema.apiKey)}: we speak ${schema.validVersions.min}-` +
          `${schema.validVersions.max}, the broker ${broker.min}-${broker.max}`,
      )
    return max
  }

  /** Sends a request at the negotiated version. */
  send<Req, Res>(reqSchema: MessageSchema, resSchema: MessageSchema, body: Req): Promise<Res> {
    return this.sendAt<Req, Res>(reqSchema, resSchema, this.versionFor(reqSchema), body)
  }

  sendAt<Req, Res>(
    reqSchema: MessageSchema,
    resSchema: MessageSchema,
    version: number,
    body: Req,
  ): Promise<Res> {
    if (this.closedError !== null) return Promise.reject(this.closedError)
    if (this.inPlace && this.pending.length > 0)
      return Promise.reject(new Error('readInPlace connection: one request at a time'))
    const correlationId = this.nextCorrelationId++
    const frame = concatChunks(
      encodeRequest(new Writer(), reqSchema, version, correlationId, this.clientId, body),
    )
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(
          new ClientError(
            `${apiName(reqSchema.apiKey)} to ${this.host}:${this.port} got no answer within ` +
              `${this.timeoutMs} ms`,
          ),
        )
      }, this.timeoutMs)
      this.pending.push({
        correlationId,
        schema: resSchema,
        version,
        resolve: resolve as (body: unknown) => void,
        reject,
        timer,
      })
      this.socket.write(frame)
    })
  }

  private onFrame(frame: Buffer): void {
    const p = this.pending.shift()
    if (p === undefined) {
      this.fail(new ClientError(`unexpected response from ${this.host}:${this.port}`))
      return
    }
    clearTimeout(p.timer)
    try {
      const reader = new Reader(frame)
      const hv = responseHeaderVersion(
        p.schema.apiKey,
        p.version,
        messageVersionIsFlexible(p.schema, p.version),
      )
      const id = readResponseHeader(reader, hv)
      if (id !== p.correlationId)
        throw new ClientError(`response correlation id ${id}, expected ${p.correlationId}`)
      p.resolve(decodeMessage(p.schema, p.version, reader))
    } catch (err) {
      p.reject(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /** A response frame that cannot be cut (bad size prefix), from either read mode. */
  private framingFailed(err: Error): void {
    this.fail(new ClientError(`${this.host}:${this.port}: ${err.message}`))
  }

  private fail(err: Error): void {
    if (this.closedError === null) this.closedError = err
    this.frames.stop()
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    this.socket.destroy()
  }

  close(): void {
    this.fail(new ClientError('connection closed'))
  }
}
