// Sockets that read into memory their owner reuses (net.Socket's `onread` option) instead of a
// fresh 64 KiB buffer per read: no allocation per read, no GC pressure from external memory, and
// the bytes land in warm pages. Used by the broker's connections, the admin client in readInPlace
// mode (the follower's fetcher) and `samsa perf`.
import net from 'node:net'
import type { Socket } from 'node:net'
import type { FrameReader } from './frame-reader.js'

/**
 * The `onread` option that reads into `reader` and cuts frames as bytes arrive. A framing error
 * (bad size prefix) goes to onError; the reader has reset itself by then.
 */
export function onreadInto(reader: FrameReader, onError: (err: Error) => void): net.OnReadOpts {
  return {
    buffer: () => reader.readBuffer(),
    callback: (n: number) => {
      try {
        reader.received(n)
      } catch (err) {
        onError(err instanceof Error ? err : new Error(String(err)))
      }
      return true
    },
  }
}

/** The net.Socket internals re-wrapping relies on (Node 20's lib/net.js). */
type SocketInternals = Socket & {
  _handle: { reading?: boolean; fd?: number } | null
  _server: net.Server | null
  server: net.Server | null
}

/**
 * Re-wraps a socket accepted by a net.Server with pauseOnConnect (its TCP handle has not read a
 * byte yet) in a socket that reads with the `onread` that `makeOnread` builds (net.Server cannot
 * pass one to the sockets it accepts). Returns null, without calling makeOnread, when the socket
 * is not in that state (TLS, already reading, internals differ): the caller then reads the
 * accepted socket as a stream, and no read buffer was allocated for nothing.
 */
export function rewrapWithOnread(
  accepted: Socket,
  makeOnread: () => net.OnReadOpts,
): Socket | null {
  const internals = accepted as SocketInternals
  const adoptable =
    internals._handle !== null &&
    internals._handle !== undefined &&
    internals._handle.reading === false &&
    accepted.bytesRead === 0 &&
    internals._server !== null &&
    internals._server !== undefined &&
    !(accepted as Socket & { encrypted?: boolean }).encrypted
  if (!adoptable) return null
  const onread = makeOnread()
  const socket = new net.Socket({
    handle: internals._handle,
    allowHalfOpen: accepted.allowHalfOpen,
    readable: true,
    writable: true,
    onread,
  } as net.SocketConstructorOpts) as SocketInternals
  // The server counts the accepted socket until it closes: hand that over to the new one.
  socket.server = socket._server = internals._server
  internals._server = null
  internals._handle = null
  accepted.destroy()
  return socket
}
