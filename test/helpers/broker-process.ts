// Starts a real broker process (`node bin/samsa.js start`, the compiled dist/ built by the vitest
// globalSetup) on a loopback port chosen free at run time and a temporary data dir. Every
// process started here is stopped, and every temp dir it made removed, in afterAll.

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const BIN = path.join(ROOT, 'bin', 'samsa.js')

export interface BrokerProcessOptions {
  /** Extra properties, as `--set key=value`. listeners / log.dirs here win over the defaults. */
  set?: Record<string, string>
  /** Use this data dir (the caller removes it); default a new temp dir removed in afterAll. */
  dataDir?: string
  /** Port to listen on; default 0 (the kernel picks a free one, read back from the banner). */
  port?: number
  /** Extra environment variables. */
  env?: Record<string, string>
  /** How long to wait for the listening line. Default 30 s. */
  startTimeoutMs?: number
}

export interface BrokerProcess {
  readonly port: number
  readonly host: string
  readonly dataDir: string
  readonly proc: ChildProcess
  /** host:port for client bootstrap lists. */
  readonly bootstrap: string
  /** Sends the signal (default SIGTERM) and resolves with the exit code (null if signalled). */
  stop(signal?: NodeJS.Signals): Promise<number | null>
  kill9(): Promise<void>
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string
}

const running = new Set<ChildProcess>()
const tempDirs = new Set<string>()

afterAll(async () => {
  await Promise.all([...running].map((p) => killAndWait(p, 'SIGKILL')))
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true })
  tempDirs.clear()
})

function exited(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode)
  return new Promise((resolve) => proc.once('exit', (code) => resolve(code)))
}

async function killAndWait(proc: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const done = exited(proc)
  if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
  const code = await done
  running.delete(proc)
  return code
}

export function makeTempDir(prefix = 'samsa-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  tempDirs.add(dir)
  return dir
}

/**
 * Spawns a broker. Resolves once it prints "samsa listening on"; rejects (with its output) if it
 * exits or stays silent past startTimeoutMs.
 */
export async function startBrokerProcess(
  options: BrokerProcessOptions = {},
): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? makeTempDir('samsa-broker-')
  const host = '127.0.0.1'
  const sets: Record<string, string> = {
    listeners: `PLAINTEXT://${host}:${options.port ?? 0}`,
    'log.dirs': dataDir,
    // Parallel test brokers must not race for the admin listener's default port.
    'admin.listener': '127.0.0.1:0',
    ...options.set,
  }
  const args = [BIN, 'start']
  for (const [k, v] of Object.entries(sets)) args.push('--set', `${k}=${v}`)
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(proc)
  proc.once('exit', () => running.delete(proc))
  let out = ''
  const onOutput = (c: Buffer): void => {
    out += c.toString('utf8')
  }
  proc.stdout?.on('data', onOutput)
  proc.stderr?.on('data', onOutput)

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup()
      proc.kill('SIGKILL')
      reject(
        new Error(`broker did not start within ${options.startTimeoutMs ?? 30_000} ms:\n${out}`),
      )
    }, options.startTimeoutMs ?? 30_000)
    const check = (): void => {
      const m = /samsa listening on PLAINTEXT:\/\/[^\s]*:(\d+)/.exec(out)
      if (m !== null) {
        cleanup()
        resolve(Number(m[1]))
      }
    }
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup()
      reject(new Error(`broker exited (code ${code}, signal ${signal}) before listening:\n${out}`))
    }
    const cleanup = (): void => {
      clearTimeout(timer)
      proc.stdout?.off('data', check)
      proc.off('exit', onExit)
    }
    proc.stdout?.on('data', check)
    proc.once('exit', onExit)
    check()
  })

  return {
    port,
    host,
    dataDir,
    proc,
    bootstrap: `${host}:${port}`,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => killAndWait(proc, signal),
    kill9: async () => {
      await killAndWait(proc, 'SIGKILL')
    },
    output: () => out,
  }
}

/** Runs `node bin/samsa.js ...args` to completion; for CLI tests and refused start-ups. */
export async function runSamsa(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number | null; output: string }> {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(proc)
  let out = ''
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')))
  const timer = setTimeout(() => proc.kill('SIGKILL'), options.timeoutMs ?? 30_000)
  const code = await exited(proc)
  clearTimeout(timer)
  running.delete(proc)
  return { code, output: out }
}
