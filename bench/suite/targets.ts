// Kafka-protocol targets of the suite: Samsa started here (fresh data directory, no admin
// listener, deleted segments unlinked at once) or any address given on the command line.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { samsaBin } from '../../src/cli/perf/command.js'
import { freePort, stopAndRemove, waitForPort } from './proc.js'

export interface Target {
  name: string
  bootstrap: string
  /** Broker process id for CPU and RSS; null when the broker was not started here. */
  pid: number | null
  startedHere: boolean
  description: string
  stop(): Promise<void>
}

export function externalTarget(name: string, bootstrap: string): Target {
  return {
    name,
    bootstrap,
    pid: null,
    startedHere: false,
    description: `given address ${bootstrap} (broker CPU and RSS not measured)`,
    stop: async () => {},
  }
}

export async function startSamsa(options: { congestion?: string } = {}): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-'))
  const port = await freePort()
  const sets = [
    `listeners=PLAINTEXT://127.0.0.1:${port}`,
    `log.dirs=${path.join(dir, 'data')}`,
    'log.segment.delete.delay.ms=0',
    // Room for what the longest measurement writes: the runner recycles that much before it.
    `samsa.log.segment.recycle.bytes=${6 * 1024 ** 3}`,
    'admin.listener=',
    ...(options.congestion === undefined ? [] : [`samsa.tcp.congestion=${options.congestion}`]),
  ]
  const proc = spawn(
    process.execPath,
    [samsaBin(), 'start', ...sets.flatMap((kv) => ['--set', kv])],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let stderr = ''
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
  const stop = stopAndRemove(proc, dir, 20_000)
  try {
    await waitForPort('127.0.0.1', port, 30_000)
  } catch (err) {
    await stop()
    throw new Error(`Samsa did not start: ${(err as Error).message}\n${stderr}`, { cause: err })
  }
  return {
    name: 'Samsa',
    bootstrap: `127.0.0.1:${port}`,
    pid: proc.pid ?? null,
    startedHere: true,
    description: 'started by the suite: fresh data dir, admin.listener empty',
    stop,
  }
}
