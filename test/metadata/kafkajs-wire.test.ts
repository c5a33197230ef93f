// Byte-level cross-check with an independent implementation: KafkaJS 2.2.4's own request encoders
// and response decoders (every version it has) against our schemas. Requests KafkaJS encodes must
// decode with our schema; responses we encode must decode with KafkaJS to the same values.
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import type { MessageSchema } from '../../src/protocol/schema/dsl.js'
import {
  MetadataRequestSchema,
  MetadataResponseSchema,
} from '../../src/protocol/messages/metadata.js'
import type { MetadataResponse } from '../../src/protocol/messages/metadata.js'
import {
  CreateTopicsRequestSchema,
  CreateTopicsResponseSchema,
} from '../../src/protocol/messages/create-topics.js'
import {
  DeleteTopicsRequestSchema,
  DeleteTopicsResponseSchema,
} from '../../src/protocol/messages/delete-topics.js'
import {
  DescribeConfigsRequestSchema,
  DescribeConfigsResponseSchema,
} from '../../src/protocol/messages/describe-configs.js'
import {
  AlterConfigsRequestSchema,
  AlterConfigsResponseSchema,
} from '../../src/protocol/messages/alter-configs.js'
import {
  CreatePartitionsRequestSchema,
  CreatePartitionsResponseSchema,
} from '../../src/protocol/messages/create-partitions.js'
import {
  DeleteRecordsRequestSchema,
  DeleteRecordsResponseSchema,
} from '../../src/protocol/messages/delete-records.js'
import { decodeFromBuffer, encodeToBuffer } from '../protocol/round-trip.js'

const require = createRequire(import.meta.url)

type RequestFactory = (args: Record<string, unknown>) => { encode(): Promise<{ buffer: Buffer }> }
interface ResponseModule {
  decode(raw: Buffer): Promise<Record<string, unknown>>
}

function kjsRequest(api: string, v: number): RequestFactory {
  return require(`kafkajs/src/protocol/requests/${api}/v${v}/request.js`) as RequestFactory
}
function kjsResponse(api: string, v: number): ResponseModule {
  return require(`kafkajs/src/protocol/requests/${api}/v${v}/response.js`) as ResponseModule
}

async function kjsEncode(api: string, v: number, args: Record<string, unknown>): Promise<Buffer> {
  return (await kjsRequest(api, v)(args).encode()).buffer
}

function ours<T>(schema: MessageSchema, v: number, buf: Buffer): T {
  return decodeFromBuffer<T>(schema, v, buf)
}

describe('KafkaJS encodes, we decode (requests)', () => {
  it('Metadata v0-6', async () => {
    for (let v = 0; v <= 6; v++) {
      const buf = await kjsEncode('metadata', v, {
        topics: ['a', 'b'],
        allowAutoTopicCreation: false,
      })
      expect(ours(MetadataRequestSchema, v, buf)).toMatchObject({
        topics: [{ name: 'a' }, { name: 'b' }],
        allowAutoTopicCreation: v < 4,
      })
    }
  })

  it('CreateTopics v0-3', async () => {
    for (let v = 0; v <= 3; v++) {
      const buf = await kjsEncode('createTopics', v, {
        topics: [
          {
            topic: 't',
            numPartitions: 3,
            replicationFactor: 1,
            replicaAssignment: [{ partition: 0, replicas: [1] }],
            configEntries: [{ name: 'retention.ms', value: '10' }],
          },
        ],
        validateOnly: true,
        timeout: 1234,
      })
      expect(ours(CreateTopicsRequestSchema, v, buf)).toEqual({
        topics: [
          {
            name: 't',
            numPartitions: 3,
            replicationFactor: 1,
            assignments: [{ partitionIndex: 0, brokerIds: [1] }],
            configs: [{ name: 'retention.ms', value: '10' }],
          },
        ],
        timeoutMs: 1234,
        validateOnly: v >= 1,
      })
    }
  })

  it('DeleteTopics v0-1, DeleteRecords v0-1, CreatePartitions v0-1', async () => {
    for (let v = 0; v <= 1; v++) {
      expect(
        ours(
          DeleteTopicsRequestSchema,
          v,
          await kjsEncode('deleteTopics', v, { topics: ['x', 'y'], timeout: 9 }),
        ),
      ).toEqual({
        topicNames: ['x', 'y'],
        timeoutMs: 9,
      })
      const dr = await kjsEncode('deleteRecords', v, {
        topics: [{ topic: 'x', partitions: [{ partition: 2, offset: '77' }] }],
        timeout: 8,
      })
      expect(ours(DeleteRecordsRequestSchema, v, dr)).toEqual({
        topics: [{ name: 'x', partitions: [{ partitionIndex: 2, offset: 77 }] }],
        timeoutMs: 8,
      })
      const cp = await kjsEncode('createPartitions', v, {
        topicPartitions: [{ topic: 'x', count: 5, assignments: [[1], [1]] }],
        validateOnly: true,
        timeout: 7,
      })
      expect(ours(CreatePartitionsRequestSchema, v, cp)).toEqual({
        topics: [{ name: 'x', count: 5, assignments: [{ brokerIds: [1] }, { brokerIds: [1] }] }],
        timeoutMs: 7,
        validateOnly: true,
      })
    }
  })

  it('DescribeConfigs v0-2, AlterConfigs v0-1', async () => {
    for (let v = 0; v <= 2; v++) {
      const buf = await kjsEncode('describeConfigs', v, {
        resources: [
          { type: 2, name: 't', configNames: ['retention.ms'] },
          { type: 4, name: '1' },
        ],
        includeSynonyms: true,
      })
      expect(ours(DescribeConfigsRequestSchema, v, buf)).toEqual({
        resources: [
          { resourceType: 2, resourceName: 't', configurationKeys: ['retention.ms'] },
          { resourceType: 4, resourceName: '1', configurationKeys: null },
        ],
        includeSynonyms: v >= 1,
        includeDocumentation: false,
      })
    }
    for (let v = 0; v <= 1; v++) {
      const buf = await kjsEncode('alterConfigs', v, {
        resources: [{ type: 2, name: 't', configEntries: [{ name: 'retention.ms', value: '5' }] }],
        validateOnly: true,
      })
      expect(ours(AlterConfigsRequestSchema, v, buf)).toEqual({
        resources: [
          { resourceType: 2, resourceName: 't', configs: [{ name: 'retention.ms', value: '5' }] },
        ],
        validateOnly: true,
      })
    }
  })
})

describe('we encode, KafkaJS decodes (responses)', () => {
  it('Metadata v0-6', async () => {
    const res: MetadataResponse = {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 7, host: 'h', port: 9092, rack: null }],
      clusterId: 'cid',
      controllerId: 7,
      topics: [
        {
          errorCode: 0,
          name: 't',
          isInternal: false,
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 7,
              leaderEpoch: 0,
              replicaNodes: [7],
              isrNodes: [7],
              offlineReplicas: [],
            },
          ],
          topicAuthorizedOperations: -2147483648,
        },
      ],
      clusterAuthorizedOperations: -2147483648,
    }
    for (let v = 0; v <= 6; v++) {
      const decoded = await kjsResponse('metadata', v).decode(
        encodeToBuffer(MetadataResponseSchema, v, res),
      )
      expect(decoded).toMatchObject({
        brokers: [expect.objectContaining({ nodeId: 7, host: 'h', port: 9092 })],
        topicMetadata: [
          expect.objectContaining({
            topicErrorCode: 0,
            topic: 't',
            partitionMetadata: [
              expect.objectContaining({ partitionId: 0, leader: 7, replicas: [7], isr: [7] }),
            ],
          }),
        ],
      })
      if (v >= 1) expect(decoded.controllerId).toBe(7)
      if (v >= 2) expect(decoded.clusterId).toBe('cid')
    }
  })

  it('CreateTopics v0-3, DeleteTopics v0-1, CreatePartitions v0-1, DeleteRecords v0-1', async () => {
    for (let v = 0; v <= 3; v++) {
      const buf = encodeToBuffer(CreateTopicsResponseSchema, v, {
        throttleTimeMs: 0,
        topics: [
          {
            name: 't',
            topicId: '00000000-0000-0000-0000-000000000000',
            errorCode: 36,
            errorMessage: 'exists',
            topicConfigErrorCode: 0,
            numPartitions: -1,
            replicationFactor: -1,
            configs: [],
          },
        ],
      })
      expect(await kjsResponse('createTopics', v).decode(buf)).toMatchObject({
        topicErrors: [expect.objectContaining({ topic: 't', errorCode: 36 })],
      })
    }
    for (let v = 0; v <= 1; v++) {
      const dt = encodeToBuffer(DeleteTopicsResponseSchema, v, {
        throttleTimeMs: 0,
        responses: [{ name: 'x', errorCode: 3, errorMessage: null }],
      })
      expect(await kjsResponse('deleteTopics', v).decode(dt)).toMatchObject({
        topicErrors: [{ topic: 'x', errorCode: 3 }],
      })
      const cp = encodeToBuffer(CreatePartitionsResponseSchema, v, {
        throttleTimeMs: 0,
        results: [{ name: 'x', errorCode: 37, errorMessage: 'no' }],
      })
      expect(await kjsResponse('createPartitions', v).decode(cp)).toMatchObject({
        topicErrors: [{ topic: 'x', errorCode: 37, errorMessage: 'no' }],
      })
      const dr = encodeToBuffer(DeleteRecordsResponseSchema, v, {
        throttleTimeMs: 0,
        topics: [
          { name: 'x', partitions: [{ partitionIndex: 1, lowWatermark: 40, errorCode: 0 }] },
        ],
      })
      // KafkaJS builds the DeleteRecords response module from the request's topics.
      const drModule = require(`kafkajs/src/protocol/requests/deleteRecords/v${v}/response.js`) as (
        args: Record<string, unknown>,
      ) => ResponseModule
      const drDecoded = await drModule({ topics: [] }).decode(dr)
      expect(drDecoded).toMatchObject({
        topics: [{ topic: 'x', partitions: [{ partition: 1, errorCode: 0 }] }],
      })
    }
  })

  it('DescribeConfigs v0-2 and AlterConfigs v0-1', async () => {
    for (let v = 0; v <= 2; v++) {
      const buf = encodeToBuffer(DescribeConfigsResponseSchema, v, {
        throttleTimeMs: 0,
        results: [
          {
            errorCode: 0,
            errorMessage: null,
            resourceType: 2,
            resourceName: 't',
            configs: [
              {
                name: 'retention.ms',
                value: '5',
                readOnly: false,
                isDefault: false,
                configSource: 1,
                isSensitive: false,
                synonyms: [{ name: 'retention.ms', value: '5', source: 1 }],
                configType: 5,
                documentation: null,
              },
            ],
          },
        ],
      })
      expect(await kjsResponse('describeConfigs', v).decode(buf)).toMatchObject({
        resources: [
          {
            errorCode: 0,
            resourceName: 't',
            configEntries: [
              expect.objectContaining({
                configName: 'retention.ms',
                configValue: '5',
                readOnly: false,
                isDefault: false,
              }),
            ],
          },
        ],
      })
    }
    for (let v = 0; v <= 1; v++) {
      const buf = encodeToBuffer(AlterConfigsResponseSchema, v, {
        throttleTimeMs: 0,
        responses: [{ errorCode: 40, errorMessage: 'bad', resourceType: 2, resourceName: 't' }],
      })
      expect(await kjsResponse('alterConfigs', v).decode(buf)).toMatchObject({
        resources: [{ errorCode: 40, errorMessage: 'bad', resourceType: 2, resourceName: 't' }],
      })
    }
  })
})
