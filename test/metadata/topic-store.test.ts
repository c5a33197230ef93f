import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KafkaError } from '../../src/protocol/errors.js'
import { TOPICS_FILE, TopicStore, validateTopicName } from '../../src/metadata/topic-store.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'samsa-topics-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function errorName(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof KafkaError ? err.errorName : 'other'
  }
  return undefined
}

describe('validateTopicName', () => {
  it.each(['a', 'orders.v1', 'A_b-c.9', 'x'.repeat(249)])('accepts %s', (n) => {
    expect(errorName(() => validateTopicName(n))).toBeUndefined()
  })
  it.each(['', '.', '..', 'x'.repeat(250), 'has space', 'slash/no', 'ünï'])('rejects %j', (n) => {
    expect(errorName(() => validateTopicName(n))).toBe('INVALID_TOPIC_EXCEPTION')
  })
})

describe('TopicStore', () => {
  it('creates, persists and reloads topics with UUID ids', async () => {
    const s = await TopicStore.open(dir)
    const t = await s.create('orders', 3, { 'retention.ms': '1000' })
    expect(t.topicId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    await s.create('events', 1, {})
    const again = await TopicStore.open(dir)
    expect(again.get('orders')).toEqual(t)
    expect(
      again
        .list()
        .map((x) => x.name)
        .sort(),
    ).toEqual(['events', 'orders'])
    expect(again.getById(t.topicId)?.name).toBe('orders')
    const onDisk = JSON.parse(readFileSync(path.join(dir, TOPICS_FILE), 'utf8')) as {
      topics: unknown[]
    }
    expect(onDisk.topics).toHaveLength(2)
  })

  it('refuses duplicates, bad names and bad partition counts with Kafka errors', async () => {
    const s = await TopicStore.open(dir)
    await s.create('t', 1, {})
    await expect(s.create('t', 1, {})).rejects.toMatchObject({ errorName: 'TOPIC_ALREADY_EXISTS' })
    await expect(s.create('bad name', 1, {})).rejects.toMatchObject({
      errorName: 'INVALID_TOPIC_EXCEPTION',
    })
    await expect(s.create('u', 0, {})).rejects.toMatchObject({ errorName: 'INVALID_PARTITIONS' })
  })

  it('adds partitions, sets configs and deletes, all persisted', async () => {
    const s = await TopicStore.open(dir)
    await s.create('t', 1, {})
    await expect(s.addPartitions('t', 1)).rejects.toMatchObject({ errorName: 'INVALID_PARTITIONS' })
    expect((await s.addPartitions('t', 4)).partitions).toBe(4)
    await s.setConfigs('t', { 'cleanup.policy': 'compact' })
    let r = await TopicStore.open(dir)
    expect(r.get('t')).toMatchObject({ partitions: 4, configs: { 'cleanup.policy': 'compact' } })
    await s.delete('t')
    await expect(s.delete('t')).rejects.toMatchObject({ errorName: 'UNKNOWN_TOPIC_OR_PARTITION' })
    r = await TopicStore.open(dir)
    expect(r.get('t')).toBeUndefined()
  })

  it('concurrent changes all land in the file', async () => {
    const s = await TopicStore.open(dir)
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.create(`t${i}`, 1, {})))
    const r = await TopicStore.open(dir)
    expect(r.list()).toHaveLength(20)
  })
})
