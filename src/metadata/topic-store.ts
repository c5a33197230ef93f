// The single-node metadata store: topic names, ids, partition counts and topic-level config
// overrides, kept in one JSON file in the first log dir. Every change rewrites the file
// tmp + fsync + rename (+ fsync of the dir), so a crash leaves either the old or the new state.
// Writes are serialised: concurrent callers queue behind the previous write.

import { randomUUID } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { KafkaError } from '../protocol/errors.js'

export interface TopicInfo {
  name: string
  topicId: string
  partitions: number
  configs: Record<string, string>
}

export const TOPICS_FILE = 'samsa-topics.json'
const MAX_TOPIC_NAME = 249

interface StoredFile {
  version: 1
  topics: TopicInfo[]
}

export function validateTopicName(name: string): void {
  if (name.length === 0) throw new KafkaError('INVALID_TOPIC_EXCEPTION', 'topic name is empty')
  if (name === '.' || name === '..')
    throw new KafkaError('INVALID_TOPIC_EXCEPTION', `topic name cannot be '${name}'`)
  if (name.length > MAX_TOPIC_NAME)
    throw new KafkaError(
      'INVALID_TOPIC_EXCEPTION',
      `topic name is ${name.length} characters, the limit is ${MAX_TOPIC_NAME}`,
    )
  if (!/^[a-zA-Z0-9._-]+$/.test(name))
    throw new KafkaError(
      'INVALID_TOPIC_EXCEPTION',
      `topic name '${name}' has characters outside [a-zA-Z0-9._-]`,
    )
}

export class TopicStore {
  private readonly topics = new Map<string, TopicInfo>()
  private writing: Promise<void> = Promise.resolve()

  private constructor(private readonly file: string) {}

  static async open(dir: string): Promise<TopicStore> {
    await fsp.mkdir(dir, { recursive: true })
    const store = new TopicStore(path.join(dir, TOPICS_FILE))
    let text: string | null = null
    try {
      text = await fsp.readFile(store.file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    if (text !== null) {
      const parsed = JSON.parse(text) as StoredFile
      if (parsed.version !== 1 || !Array.isArray(parsed.topics))
        throw new Error(`${store.file}: unsupported format`)
      for (const t of parsed.topics) store.topics.set(t.name, { ...t, configs: { ...t.configs } })
    }
    return store
  }

  get(name: string): TopicInfo | undefined {
    return this.topics.get(name)
  }

  list(): TopicInfo[] {
    return [...this.topics.values()]
  }

  /** Lookup by topic id (the UUID string), for APIs that address topics by id. */
  getById(topicId: string): TopicInfo | undefined {
    for (const t of this.topics.values()) if (t.topicId === topicId) return t
    return undefined
  }

  async create(
    name: string,
    partitions: number,
    configs: Record<string, string>,
  ): Promise<TopicInfo> {
    validateTopicName(name)
    if (!Number.isInteger(partitions) || partitions < 1)
      throw new KafkaError('INVALID_PARTITIONS', `partition count ${partitions} must be at least 1`)
    if (this.topics.has(name))
      throw new KafkaError('TOPIC_ALREADY_EXISTS', `topic '${name}' already exists`)
    const info: TopicInfo = { name, topicId: randomUUID(), partitions, configs: { ...configs } }
    this.topics.set(name, info)
    await this.persist()
    return info
  }

  async delete(name: string): Promise<void> {
    if (!this.topics.delete(name))
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`)
    await this.persist()
  }

  async addPartitions(name: string, total: number): Promise<TopicInfo> {
    const info = this.topics.get(name)
    if (info === undefined)
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`)
    if (!Number.isInteger(total) || total <= info.partitions)
      throw new KafkaError(
        'INVALID_PARTITIONS',
        `topic '${name}' has ${info.partitions} partitions; ${total} is not more`,
      )
    info.partitions = total
    await this.persist()
    return info
  }

  async setConfigs(name: string, configs: Record<string, string>): Promise<void> {
    const info = this.topics.get(name)
    if (info === undefined)
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`)
    info.configs = { ...configs }
    await this.persist()
  }

  private persist(): Promise<void> {
    // Each write snapshots the state at its turn, so the last queued write holds the latest state.
    const next = this.writing.then(() => this.writeFile())
    this.writing = next.catch(() => undefined)
    return next
  }

  private async writeFile(): Promise<void> {
    const body: StoredFile = { version: 1, topics: this.list() }
    const tmp = this.file + '.tmp'
    const fh = await fsp.open(tmp, 'w')
    try {
      await fh.writeFile(JSON.stringify(body, null, 2) + '\n')
      await fh.sync()
    } finally {
      await fh.close()
    }
    await fsp.rename(tmp, this.file)
    const dh = await fsp.open(path.dirname(this.file), 'r')
    try {
      await dh.sync()
    } finally {
      await dh.close()
    }
  }
}
