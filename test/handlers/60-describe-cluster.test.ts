import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { handleDescribeCluster } from '../../src/handlers/60-describe-cluster.js'
import { ErrorCode } from '../../src/protocol/errors.js'
import { CLUSTER_OPERATIONS, NOT_REQUESTED } from '../../src/metadata/acl-operations.js'
import {
  DescribeClusterRequestSchema,
  DescribeClusterResponseSchema,
} from '../../src/protocol/messages/describe-cluster.js'
import type { DescribeClusterResponse } from '../../src/protocol/messages/describe-cluster.js'
import { decodeFromBuffer, roundTripAllVersions } from '../protocol/round-trip.js'
import { openBrokerFixture } from '../metadata/broker-fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

describe('DescribeCluster schema', () => {
  it('round-trips v0-1 (flexible from 0; endpoint_type from 1)', () => {
    const enc = roundTripAllVersions(DescribeClusterRequestSchema, () => ({
      includeClusterAuthorizedOperations: true,
      endpointType: 2,
    }))
    expect([...enc.get(0)!]).toEqual([1, 0])
    expect([...enc.get(1)!]).toEqual([1, 2, 0])
    const sample: DescribeClusterResponse = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: 2,
      clusterId: 'c',
      controllerId: 1,
      brokers: [{ brokerId: 1, host: 'h', port: 1, rack: null }],
      clusterAuthorizedOperations: 5,
    }
    const resp = roundTripAllVersions(DescribeClusterResponseSchema, () => sample)
    expect(
      decodeFromBuffer<DescribeClusterResponse>(DescribeClusterResponseSchema, 0, resp.get(0)!)
        .endpointType,
    ).toBe(1)
  })
})

describe('DescribeCluster handler', () => {
  let b: BrokerFixture
  beforeEach(async () => {
    b = await openBrokerFixture()
  })
  afterEach(async () => {
    await b.close()
  })

  it('this node is the cluster and its controller', () => {
    const res = handleDescribeCluster(
      { includeClusterAuthorizedOperations: false, endpointType: 1 },
      b.ctx(60, 1),
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: 1,
      clusterId: 'test-cluster-id',
      controllerId: 7,
      brokers: [{ brokerId: 7, host: 'broker.example', port: 19092, rack: null }],
      clusterAuthorizedOperations: NOT_REQUESTED,
    })
    const ops = handleDescribeCluster(
      { includeClusterAuthorizedOperations: true, endpointType: 1 },
      b.ctx(60, 0),
    )
    expect(ops.clusterAuthorizedOperations).toBe(CLUSTER_OPERATIONS)
  })

  it('a controller endpoint request gets MISMATCHED_ENDPOINT_TYPE', () => {
    const res = handleDescribeCluster(
      { includeClusterAuthorizedOperations: false, endpointType: 2 },
      b.ctx(60, 1),
    )
    expect(res.errorCode).toBe(ErrorCode.MISMATCHED_ENDPOINT_TYPE)
    expect(res.brokers).toEqual([])
  })
})
