// The load generator's own ceiling: a TCP server that answers every Produce request at once with
// a canned success response and does nothing else. `samsa perf produce --sink` runs against it in
// a separate process, so whatever rate it reaches is the most the generator can offer a broker.

import net from 'node:net'
import { rewrapWithOnread } from '../../server/owned-reads.js'
import { encodeResponse } from '../../protocol/header.js'
import { ProduceResponseSchema } from '../../protocol/messages/produce.js'
import type { ProduceResponse } from '../../protocol/messages/produce.js'
import { Writer, concatChunks } from '../../protocol/primitives/writer.js'

const PRODUCE = 0

/** A success answer to a one-partition Produce request of `version` (correlation id 0). */
export function cannedResponse(version: number): Buffer {
  const body: ProduceResponse = {
    responses: [
      {
        name: 'sink',
        partitionResponses: [
          {
            index: 0,
            errorCode: 0,
            baseOffset: 0,
            logAppendTimeMs: -1,
            logStartOffset: 0,
            recordErrors: [],
            errorMessage: null,
          },
        ],
      },
    ],
    throttleTimeMs: 0,
  }
  return concatChunks(encodeResponse(new Writer(), ProduceResponseSchema, version, 0, body))
}

export interface SinkServer {
  readonly port: number
  /** Produce requests answered so far. */
  readonly requests: () => number
  close(): Promise<void>
}

/** Read buffer per connection: the sink looks at 12 bytes per request and skips the rest. */
const READ_BUFFER = 256 << 10

type ReadCallback = (nread: number, chunk: Buffer) => boolean

/**
 * An accepted connection that reads into one reused buffer (see src/server/owned-reads.ts); where
 * that is not possible, the accepted socket is read with 'data' events (a fresh buffer per read).
 */
function withStaticReads(accepted: net.Socket, size: number, onRead: ReadCallback): net.Socket {
  const owned = rewrapWithOnread(accepted, () => ({
    buffer: Buffer.allocUnsafe(size),
    callback: onRead,
  }))
  if (owned !== null) return owned
  accepted.on('data', (chunk: Buffer) => onRead(chunk.length, chunk))
  return accepted
}

export async function startSinkServer(port = 0, host = '127.0.0.1'): Promise<SinkServer> {
  const canned = new Map<number, Buffer>()
  let requests = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
    const socket = withStaticReads(accepted, READ_BUFFER, (n, chunk) => onRead(n, chunk))
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.setNoDelay(true)
    socket.on('error', () => socket.destroy())
    // Only the first 12 bytes of a request (size, api key, version, correlation id) matter; the
    // rest is skipped where it lies. Reads land in one reused buffer (the sink must cost little
    // next to the generator it measures), and the responses of one read go out in one write.
    const header = Buffer.alloc(12)
    const correlationIds: number[] = []
    let have = 0
    let skip = 0
    let version = -1
    /** Answers the requests read so far (all of one version) in one write. */
    const flush = (): void => {
      let template = canned.get(version)
      if (template === undefined) {
        template = cannedResponse(version)
        canned.set(version, template)
      }
      const out = Buffer.allocUnsafe(template.length * correlationIds.length)
      for (let i = 0; i < correlationIds.length; i++) {
        template.copy(out, i * template.length)
        out.writeInt32BE(correlationIds[i] as number, i * template.length + 4)
      }
      requests += correlationIds.length
      correlationIds.length = 0
      socket.write(out)
    }
    const onRead = (nread: number, chunk: Buffer): boolean => {
      let pos = 0
      while (pos < nread) {
        if (skip > 0) {
          const n = Math.min(skip, nread - pos)
          skip -= n
          pos += n
          continue
        }
        const n = Math.min(12 - have, nread - pos)
        chunk.copy(header, have, pos, pos + n)
        have += n
        pos += n
        if (have < 12) break
        have = 0
        const size = header.readInt32BE(0)
        const apiKey = header.readInt16BE(4)
        if (apiKey !== PRODUCE || size < 8) {
          socket.destroy()
          return false
        }
        const v = header.readInt16BE(6)
        if (v !== version && correlationIds.length > 0) flush()
        version = v
        skip = size - 8
        correlationIds.push(header.readInt32BE(8))
      }
      if (correlationIds.length > 0) flush()
      return true
    }
    socket.resume()
  })
  await new Promise<void>((resolve) => server.listen(port, host, resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      }),
  }
}
