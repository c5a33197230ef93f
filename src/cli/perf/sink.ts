// The load generator's own ceiling: a TCP server that answers every Produce request at once with
// a canned success response and does nothing else. `samsa perf produce --sink` runs against it in
// a separate process, so whatever rate it reaches is the most the generator can offer a broker.

import net from 'node:net'
import { encodeResponse } from '../../protocol/header.js'
import { ProduceResponseSchema } from '../../protocol/messages/produce.js'
import type { ProduceResponse } from '../../protocol/messages/produce.js'
import { Writer, concatChunks } from '../../protocol/primitives/writer.js'

const PRODUCE = 0

function cannedResponse(version: number): Buffer {
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

export async function startSinkServer(port = 0, host = '127.0.0.1'): Promise<SinkServer> {
  const canned = new Map<number, Buffer>()
  let requests = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.setNoDelay(true)
    socket.on('error', () => socket.destroy())
    // Only the first 12 bytes of a request (size, api key, version, correlation id) matter; the
    // rest is skipped where it lies, so the sink never copies record batches.
    const header = Buffer.alloc(12)
    let have = 0
    let skip = 0
    socket.on('data', (chunk: Buffer) => {
      let pos = 0
      const out: Buffer[] = []
      while (pos < chunk.length) {
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - pos)
          skip -= n
          pos += n
          continue
        }
        const n = Math.min(12 - have, chunk.length - pos)
        chunk.copy(header, have, pos, pos + n)
        have += n
        pos += n
        if (have < 12) break
        have = 0
        const size = header.readInt32BE(0)
        const apiKey = header.readInt16BE(4)
        const version = header.readInt16BE(6)
        if (apiKey !== PRODUCE || size < 8) {
          socket.destroy()
          return
        }
        skip = size - 8
        let template = canned.get(version)
        if (template === undefined) {
          template = cannedResponse(version)
          canned.set(version, template)
        }
        const response = Buffer.from(template)
        response.writeInt32BE(header.readInt32BE(8), 4)
        out.push(response)
        requests++
      }
      if (out.length > 0) socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out))
    })
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
