// DescribeCluster (API key 60), versions 0-1; flexible from 0. Field names follow Kafka's
// DescribeClusterRequest.json / DescribeClusterResponse.json in camelCase.
import { array, field, message } from '../schema/dsl.js'

export const DescribeClusterRequestSchema = message({
  name: 'DescribeClusterRequest',
  apiKey: 60,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    field('includeClusterAuthorizedOperations', 'bool', '0+'),
    // 1 = brokers, 2 = controllers (KIP-919).
    field('endpointType', 'int8', '1+', { default: 1 }),
  ],
})

export const DescribeClusterResponseSchema = message({
  name: 'DescribeClusterResponse',
  apiKey: 60,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: [
    field('throttleTimeMs', 'int32', '0+'),
    field('errorCode', 'int16', '0+'),
    field('errorMessage', 'string', '0+', { nullableVersions: '0+' }),
    field('endpointType', 'int8', '1+', { default: 1 }),
    field('clusterId', 'string', '0+'),
    field('controllerId', 'int32', '0+', { default: -1 }),
    array('brokers', '0+', [
      field('brokerId', 'int32', '0+'),
      field('host', 'string', '0+'),
      field('port', 'int32', '0+'),
      field('rack', 'string', '0+', { nullableVersions: '0+' }),
    ]),
    field('clusterAuthorizedOperations', 'int32', '0+', { default: -2147483648 }),
  ],
})

export interface DescribeClusterRequest {
  includeClusterAuthorizedOperations: boolean
  endpointType: number
}

export interface DescribeClusterBroker {
  brokerId: number
  host: string
  port: number
  rack: string | null
}

export interface DescribeClusterResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  endpointType: number
  clusterId: string
  controllerId: number
  brokers: DescribeClusterBroker[]
  clusterAuthorizedOperations: number
}
