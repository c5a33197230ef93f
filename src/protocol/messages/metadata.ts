// Metadata (API key 3), versions 0-9; flexible from 9. Field names follow Kafka's
// MetadataRequest.json / MetadataResponse.json in camelCase. Versions 10+ add topic ids and are
// not served (see docs/SKIPPED.md).
import { array, field, message } from '../schema/dsl.js'

export const MetadataRequestSchema = message({
  name: 'MetadataRequest',
  apiKey: 3,
  validVersions: '0-9',
  flexibleVersions: '9+',
  fields: [
    // v0: empty array = all topics. v1+: null = all topics, empty = none.
    array('topics', '0+', [field('name', 'string', '0+')], { nullableVersions: '1+' }),
    field('allowAutoTopicCreation', 'bool', '4+', { default: true }),
    field('includeClusterAuthorizedOperations', 'bool', '8+'),
    field('includeTopicAuthorizedOperations', 'bool', '8+'),
  ],
})

export const MetadataResponseSchema = message({
  name: 'MetadataResponse',
  apiKey: 3,
  validVersions: '0-9',
  flexibleVersions: '9+',
  fields: [
    field('throttleTimeMs', 'int32', '3+'),
    array('brokers', '0+', [
      field('nodeId', 'int32', '0+'),
      field('host', 'string', '0+'),
      field('port', 'int32', '0+'),
      field('rack', 'string', '1+', { nullableVersions: '1+', ignorable: true }),
    ]),
    field('clusterId', 'string', '2+', { nullableVersions: '2+', ignorable: true }),
    field('controllerId', 'int32', '1+', { default: -1, ignorable: true }),
    array('topics', '0+', [
      field('errorCode', 'int16', '0+'),
      field('name', 'string', '0+'),
      field('isInternal', 'bool', '1+', { ignorable: true }),
      array('partitions', '0+', [
        field('errorCode', 'int16', '0+'),
        field('partitionIndex', 'int32', '0+'),
        field('leaderId', 'int32', '0+'),
        field('leaderEpoch', 'int32', '7+', { default: -1, ignorable: true }),
        array('replicaNodes', '0+', 'int32'),
        array('isrNodes', '0+', 'int32'),
        array('offlineReplicas', '5+', 'int32', { ignorable: true }),
      ]),
      field('topicAuthorizedOperations', 'int32', '8+', {
        default: -2147483648,
        ignorable: true,
      }),
    ]),
    field('clusterAuthorizedOperations', 'int32', '8+', { default: -2147483648, ignorable: true }),
  ],
})

export interface MetadataRequestTopic {
  name: string
}

export interface MetadataRequest {
  topics: MetadataRequestTopic[] | null
  allowAutoTopicCreation: boolean
  includeClusterAuthorizedOperations: boolean
  includeTopicAuthorizedOperations: boolean
}

export interface MetadataResponseBroker {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

export interface MetadataResponsePartition {
  errorCode: number
  partitionIndex: number
  leaderId: number
  leaderEpoch: number
  replicaNodes: number[]
  isrNodes: number[]
  offlineReplicas: number[]
}

export interface MetadataResponseTopic {
  errorCode: number
  name: string
  isInternal: boolean
  partitions: MetadataResponsePartition[]
  topicAuthorizedOperations: number
}

export interface MetadataResponse {
  throttleTimeMs: number
  brokers: MetadataResponseBroker[]
  clusterId: string | null
  controllerId: number
  topics: MetadataResponseTopic[]
  clusterAuthorizedOperations: number
}
