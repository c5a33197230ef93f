// Where clients reach a broker. Kafka gives each client the advertised address of the listener
// its connection came in on (an SSL client is sent to SSL ports, a PLAINTEXT one to PLAINTEXT
// ports); a broker without an address for that listener is given its first advertised one.

import type { BrokerServices } from '../broker-services.js'

export interface Endpoint {
  readonly host: string
  readonly port: number
}

/** Advertised address per listener name. */
export type Endpoints = Readonly<Record<string, Endpoint>>

export interface Reachable extends Endpoint {
  readonly endpoints?: Endpoints
}

export function endpointFor(b: Reachable, listener: string): Endpoint {
  const e = b.endpoints?.[listener]
  return e === undefined ? { host: b.host, port: b.port } : { host: e.host, port: e.port }
}

/** Every live broker as a client on `listener` reaches it (Metadata, DescribeCluster). */
export function clientBrokers(
  services: BrokerServices,
  listener: string,
): Array<{ nodeId: number; host: string; port: number; rack: string | null }> {
  const cluster = services.cluster
  if (cluster === undefined)
    return [{ nodeId: services.nodeId, ...endpointFor(services.advertised, listener), rack: null }]
  return cluster
    .brokers()
    .map((x) => ({ nodeId: x.nodeId, ...endpointFor(x, listener), rack: x.rack }))
}
