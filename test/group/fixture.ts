// A handler-test broker fixture (real logs and topic store in a temp dir) with a group
// coordinator attached as services.groups.
import { openGroupCoordinator } from '../../src/group/service.js'
import { openBrokerFixture } from '../metadata/broker-fixture.js'
import type { BrokerFixture } from '../metadata/broker-fixture.js'

export async function openGroupFixture(): Promise<BrokerFixture> {
  const b = await openBrokerFixture([
    ['offsets.topic.num.partitions', '3'],
    ['group.initial.rebalance.delay.ms', '0'],
  ])
  const s = b.services
  const groups = await openGroupCoordinator({ config: s.config, logs: s.logs, topics: s.topics })
  s.groups = groups
  return {
    ...b,
    async close() {
      groups.close()
      await b.close()
    },
  }
}
