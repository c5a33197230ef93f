// Shared rules of AlterConfigs and IncrementalAlterConfigs: resource identity and duplicates,
// the read-only broker resource, and the incremental operations (SET, DELETE, APPEND, SUBTRACT)
// applied to a topic's override map before it is validated and stored.

import { TOPIC_CONFIG_KEYS } from '../log/log-config.js'
import { ErrorCode, KafkaError } from '../protocol/errors.js'
import type { BrokerConfig } from '../config/broker-config.js'
import { ConfigType, describeTopicConfigs, topicConfigType } from './config-describer.js'
import { resultError } from './error-message.js'

export const AlterConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const

export interface ResourceRef {
  resourceType: number
  resourceName: string
}

/** Keys (type + name) of resources listed more than once in one request. */
export function duplicateResources(resources: readonly ResourceRef[]): Set<string> {
  const seen = new Set<string>()
  const dups = new Set<string>()
  for (const r of resources) {
    const k = resourceKey(r)
    if (seen.has(k)) dups.add(k)
    seen.add(k)
  }
  return dups
}

export function resourceKey(r: ResourceRef): string {
  return `${r.resourceType}:${r.resourceName}`
}

export interface ResourceResult extends ResourceRef {
  errorCode: number
  errorMessage: string | null
}

/**
 * Runs `alterOne` on each resource in request order and collects one result per resource: a
 * resource listed twice is INVALID_REQUEST (every occurrence), a thrown error becomes that
 * resource's error code and message, and the others still run.
 */
export async function alterEachResource<R extends ResourceRef>(
  resources: readonly R[],
  alterOne: (resource: R) => Promise<void>,
): Promise<ResourceResult[]> {
  const dups = duplicateResources(resources)
  const results: ResourceResult[] = []
  for (const r of resources) {
    const head = { resourceType: r.resourceType, resourceName: r.resourceName }
    try {
      if (dups.has(resourceKey(r))) throw new KafkaError('INVALID_REQUEST', 'duplicate resource')
      await alterOne(r)
      results.push({ errorCode: ErrorCode.NONE, errorMessage: null, ...head })
    } catch (err) {
      results.push({ ...resultError(err), ...head })
    }
  }
  return results
}

export function checkNoDuplicateKeys(names: readonly string[]): void {
  const seen = new Set<string>()
  for (const n of names) {
    if (seen.has(n)) throw new KafkaError('INVALID_REQUEST', `config ${n} is listed more than once`)
    seen.add(n)
  }
}

/**
 * The broker resource: this node's id (or '' for cluster-wide defaults). Every broker property is
 * static (server.properties), so any change is refused the way Kafka refuses read-only configs.
 */
export function checkBrokerAlter(
  resourceName: string,
  nodeId: number,
  names: readonly string[],
): void {
  if (resourceName !== '' && resourceName !== String(nodeId)) {
    throw new KafkaError(
      'INVALID_REQUEST',
      `unexpected broker id, expected ${nodeId} or empty string, got '${resourceName}'`,
    )
  }
  if (names.length > 0) {
    throw new KafkaError(
      'INVALID_CONFIG',
      `cannot update these configs dynamically: ${names.join(', ')} (broker configs are read-only; edit server.properties and restart)`,
    )
  }
}

export interface IncrementalOp {
  name: string
  configOperation: number
  value: string | null
}

function listOf(value: string | null): string[] {
  if (value === null) return []
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Applies incremental operations to a topic's overrides and returns the new override map. */
export function applyIncrementalOps(
  current: Readonly<Record<string, string>>,
  ops: readonly IncrementalOp[],
  broker: BrokerConfig,
): Record<string, string> {
  checkNoDuplicateKeys(ops.map((o) => o.name))
  const next: Record<string, string> = { ...current }
  for (const op of ops) {
    if (TOPIC_CONFIG_KEYS[op.name] === undefined) {
      throw new KafkaError('INVALID_CONFIG', `unknown topic config ${op.name}`)
    }
    switch (op.configOperation) {
      case AlterConfigOp.SET:
        if (op.value === null) {
          throw new KafkaError('INVALID_REQUEST', `null value not supported for SET of ${op.name}`)
        }
        next[op.name] = op.value
        break
      case AlterConfigOp.DELETE:
        delete next[op.name]
        break
      case AlterConfigOp.APPEND:
      case AlterConfigOp.SUBTRACT: {
        const verb = op.configOperation === AlterConfigOp.APPEND ? 'append' : 'subtract'
        if (topicConfigType(op.name) !== ConfigType.LIST) {
          throw new KafkaError(
            'INVALID_CONFIG',
            `config value ${verb} is not allowed for config key ${op.name}`,
          )
        }
        const effective = describeTopicConfigs(current, broker, [op.name])[0]?.value ?? null
        const items = listOf(effective)
        const given = listOf(op.value)
        const result =
          op.configOperation === AlterConfigOp.APPEND
            ? [...items, ...given.filter((g) => !items.includes(g))]
            : items.filter((i) => !given.includes(i))
        next[op.name] = result.join(',')
        break
      }
      default:
        throw new KafkaError('INVALID_REQUEST', `unknown config operation ${op.configOperation}`)
    }
  }
  return next
}
