// Process and statistics helpers for the suite: free loopback ports, waiting for a listener,
// a process's CPU seconds and resident memory from /proc, medians and spreads.

import { spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })
}

export async function waitForPort(host: string, port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, host)
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > until) throw new Error(`nothing listens on ${host}:${port}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** utime + stime of a process in seconds; null when it is gone or unknown. */
export function cpuSeconds(pid: number | null): number | null {
  if (pid === null) return null
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  } catch {
    return null
  }
}

/** The machine's CPU time so far from /proc/stat, in clock ticks: all of it, and steal. */
export interface HostTimes {
  total: number
  steal: number
}

export function hostTimes(): HostTimes | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] as string
    const t = line.trim().split(/\s+/).slice(1, 9).map(Number)
    if (t.length < 8 || t.some((x) => !Number.isFinite(x))) return null
    // user nice system idle iowait irq softirq steal (guest time is inside user already)
    return { total: t.reduce((a, b) => a + b, 0), steal: t[7] as number }
  } catch {
    return null
  }
}

/**
 * Percent of the machine's CPU time between two snapshots that the hypervisor took for other
 * guests (steal): while it runs high, every process here stalls at once, broker or not.
 */
export function stealPercent(a: HostTimes | null, b: HostTimes | null): number | null {
  if (a === null || b === null || b.total <= a.total) return null
  return (100 * (b.steal - a.steal)) / (b.total - a.total)
}

/** VmRSS of a process in bytes; null when unknown. */
export function rssBytes(pid: number | null): number | null {
  if (pid === null) return null
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? null : Number(m[1]) * 1024
  } catch {
    return null
  }
}

export interface Spread {
  median: number
  min: number
  max: number
  n: number
}

export function spread(values: ReadonlyArray<number | null | undefined>): Spread | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
  if (v.length === 0) return null
  v.sort((a, b) => a - b)
  const mid = Math.floor(v.length / 2)
  const median =
    v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2
  return { median, min: v[0] as number, max: v[v.length - 1] as number, n: v.length }
}

export function kernelCongestionDefault(): string {
  try {
    return fs.readFileSync('/proc/sys/net/ipv4/tcp_congestion_control', 'utf8').trim()
  } catch {
    return 'unknown'
  }
}

export function hasCommand(cmd: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' })
  return r.error === undefined
}

/**
 * A stop function for a server process the suite started: SIGTERM, SIGKILL after `killAfterMs`,
 * then its scratch directory is removed. Safe to call after the process already exited.
 */
export function stopAndRemove(
  proc: ChildProcess,
  dir: string,
  killAfterMs: number,
): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        fs.rmSync(dir, { recursive: true, force: true })
        resolve()
      }
      if (proc.exitCode !== null || proc.signalCode !== null) return done()
      const timer = setTimeout(() => proc.kill('SIGKILL'), killAfterMs)
      proc.once('exit', () => {
        clearTimeout(timer)
        done()
      })
      proc.kill('SIGTERM')
    })
}
