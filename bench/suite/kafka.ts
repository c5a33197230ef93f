// Apache Kafka as a benchmark target: a local distribution (--kafka-home) started in KRaft
// single-node mode (one process is broker and controller) on free loopback ports with its data
// in a temporary directory, stopped and removed afterwards.

import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freePort, waitForPort } from './proc.js'
import type { Target } from './targets.js'

export interface KraftConfigOptions {
  brokerPort: number
  controllerPort: number
  logDir: string
  nodeId?: number
}

/** server.properties text for a single-node KRaft broker+controller on 127.0.0.1. */
export function kraftConfig(o: KraftConfigOptions): string {
  const id = o.nodeId ?? 1
  return [
    'process.roles=broker,controller',
    `node.id=${id}`,
    `controller.quorum.voters=${id}@127.0.0.1:${o.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${o.brokerPort},CONTROLLER://127.0.0.1:${o.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${o.brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${o.logDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Same conditions as Samsa: deleted warm-up segments are unlinked at once so the measured
    // log reuses their pages; no fsync per write (Kafka's default).
    'log.segment.delete.delay.ms=0',
    'delete.topic.enable=true',
    'auto.create.topics.enable=true',
    '',
  ].join('\n')
}

/** A random cluster id in Kafka's format: 16 bytes, URL-safe base64 without padding. */
export function kafkaClusterId(): string {
  return randomBytes(16).toString('base64url')
}

function stopProcess(proc: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs)
    proc.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    proc.kill('SIGTERM')
  })
}

export async function startKafka(home: string): Promise<Target> {
  const startScript = path.join(home, 'bin', 'kafka-server-start.sh')
  const storageScript = path.join(home, 'bin', 'kafka-storage.sh')
  if (!fs.existsSync(startScript) || !fs.existsSync(storageScript))
    throw new Error(`${home} is not a Kafka distribution (no bin/kafka-server-start.sh)`)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-kafka-'))
  const brokerPort = await freePort()
  const controllerPort = await freePort()
  const config = path.join(dir, 'server.properties')
  fs.writeFileSync(
    config,
    kraftConfig({ brokerPort, controllerPort, logDir: path.join(dir, 'data') }),
  )
  const env = { ...process.env, LOG_DIR: path.join(dir, 'logs') }
  const format = spawnSync(storageScript, ['format', '-t', kafkaClusterId(), '-c', config], {
    env,
    encoding: 'utf8',
  })
  if (format.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true })
    throw new Error(`kafka-storage.sh format failed: ${format.stderr || format.stdout}`)
  }
  // kafka-server-start.sh execs java, so the child's pid is the broker JVM's (for /proc CPU).
  const proc = spawn(startScript, [config], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
  try {
    await waitForPort('127.0.0.1', brokerPort, 90_000)
  } catch (err) {
    await stopProcess(proc, 10_000)
    fs.rmSync(dir, { recursive: true, force: true })
    throw new Error(`Kafka did not start: ${(err as Error).message}\n${stderr}`, { cause: err })
  }
  return {
    name: 'Apache Kafka',
    bootstrap: `127.0.0.1:${brokerPort}`,
    pid: proc.pid ?? null,
    startedHere: true,
    description: `KRaft single node from ${path.basename(home)}, log.dirs in a temp dir`,
    async stop() {
      await stopProcess(proc, 30_000)
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
