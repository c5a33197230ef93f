// Broker-wide counters, plain numbers updated in place (no per-request allocation). Tests and
// the metrics endpoint read them.

export interface WriterStats {
  /** File-region bytes the native sendfile engine put on sockets. */
  sendfileBytes: number
  /** File-region bytes read into buffers and written (TLS or no usable fd). */
  copiedBytes: number
  /** Bytes of encoded buffers (headers, small responses) written. */
  bufferBytes: number
  sendfileCalls: number
  sendfileFailures: number
  /** Of sendfileBytes, those sent on the event loop (recent, page-cached regions). */
  sendfileInlineBytes: number
}

/**
 * Per-request and per-topic traffic hooks; the metrics module installs one. Called once per
 * request or per partition append/read, never per record.
 */
export interface TrafficObserver {
  request(apiName: string, seconds: number): void
  produced(topic: string, bytes: number, messages: number): void
  fetched(topic: string, bytes: number): void
}

export interface BrokerStats extends WriterStats {
  connectionsOpened: number
  connectionsClosed: number
  /** Connections closed by the broker because of bad input (framing, unknown API, decode error). */
  connectionsRejected: number
  requests: number
  requestBytes: number
  responses: number
  handlerErrors: number
  /** Unset until the metrics module attaches (tests and tools run without one). */
  traffic?: TrafficObserver
}

export function newWriterStats(): WriterStats {
  return {
    sendfileBytes: 0,
    copiedBytes: 0,
    bufferBytes: 0,
    sendfileCalls: 0,
    sendfileFailures: 0,
    sendfileInlineBytes: 0,
  }
}

export function newBrokerStats(): BrokerStats {
  return {
    ...newWriterStats(),
    connectionsOpened: 0,
    connectionsClosed: 0,
    connectionsRejected: 0,
    requests: 0,
    requestBytes: 0,
    responses: 0,
    handlerErrors: 0,
  }
}
