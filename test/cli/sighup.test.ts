// SIGHUP against a real broker process started with --config: the changed keys are applied
// live (auto topic creation turns off) and keys that need a restart are named.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runSamsa } from '../helpers/broker-process.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const dir = mkdtempSync(path.join(os.tmpdir(), 'samsa-sighup-'))
let proc: ChildProcess | null = null

afterAll(async () => {
  if (proc !== null && proc.exitCode === null && proc.signalCode === null) {
    const done = new Promise((r) => proc?.once('exit', r))
    proc.kill('SIGKILL')
    await done
  }
  rmSync(dir, { recursive: true, force: true })
})

function waitFor(get: () => string, re: RegExp, ms = 20_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const m = re.exec(get())
      if (m !== null) resolve(m)
      else if (Date.now() > deadline) reject(new Error(`no ${re} in:\n${get()}`))
      else setTimeout(tick, 50)
    }
    tick()
  })
}

function props(extra: string): string {
  return (
    `listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs=${path.join(dir, 'data')}\n` +
    `admin.listener=\n${extra}`
  )
}

describe('SIGHUP', () => {
  it('reloads dynamic keys from the config file and names those needing a restart', async () => {
    const file = path.join(dir, 'server.properties')
    writeFileSync(file, props('auto.create.topics.enable=true\nlog.retention.ms=86400000\n'))
    proc = spawn(
      process.execPath,
      [path.join(ROOT, 'bin', 'samsa.js'), 'start', '--config', file],
      {
        cwd: ROOT,
        env: { ...process.env, SAMSA_LOG_FORMAT: 'json' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    proc.stdout?.on('data', (c: Buffer) => (out += c.toString()))
    proc.stderr?.on('data', (c: Buffer) => (out += c.toString()))
    const port = Number((await waitFor(() => out, /listening on PLAINTEXT:\/\/[^:]+:(\d+)/))[1])
    const b = ['--bootstrap-server', `127.0.0.1:${port}`]
    const dataFile = path.join(dir, 'one.txt')
    writeFileSync(dataFile, 'x\n')

    // auto-creation on: producing to a new topic creates it
    expect((await runSamsa(['produce', '-t', 'auto1', '--file', dataFile, ...b])).code).toBe(0)

    writeFileSync(
      file,
      props('auto.create.topics.enable=false\nlog.retention.ms=60000\nnode.id=7\n'),
    )
    proc.kill('SIGHUP')
    const line = await waitFor(() => out, /^\{.*"msg":"config reloaded"\}$/m)
    const ev = JSON.parse(line[0]) as Record<string, unknown>
    expect(ev.level).toBe('info')
    expect(ev.applied).toEqual(['auto.create.topics.enable', 'log.retention.ms'])
    expect(ev.needsRestart).toEqual(['node.id'])
    expect(out).toMatch(/"msg":"config changes that take effect only after a restart"/)

    // the change is live: a new topic is no longer auto-created
    const r = await runSamsa(['produce', '-t', 'auto2', '--file', dataFile, ...b])
    expect(r.code).toBe(1)
    expect(r.output).toMatch(/topic 'auto2' does not exist/)
    // topics created before the reload are untouched
    const d = await runSamsa(['topics', 'list', ...b])
    expect(d.output.split('\n')).toContain('auto1')

    // a broken file keeps the running config
    writeFileSync(file, props('num.partitions=many\n'))
    proc.kill('SIGHUP')
    await waitFor(() => out, /"msg":"config reload failed; the running config is unchanged"/)
    expect(out).toMatch(/num\.partitions: 'many' is not an integer/)

    const exited = new Promise<number | null>((res) => proc?.once('exit', (code) => res(code)))
    proc.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
