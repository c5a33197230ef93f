// What `samsa tune` knows about the machine: sysctl values under <procRoot>/sys, RAM and swap
// from <procRoot>/meminfo, the open-files limit from <procRoot>/self/limits, the filesystem of
// each log dir from <procRoot>/mounts (statfs for its size), and how many partitions already
// live in the log dirs. procRoot is '/proc' except in tests, which point it at a fake tree.

import { readdirSync, readFileSync, realpathSync, statfsSync } from 'node:fs'
import path from 'node:path'

export const SYSCTL_KEYS = [
  'vm.dirty_background_ratio',
  'vm.dirty_ratio',
  'vm.dirty_expire_centisecs',
  'vm.dirty_writeback_centisecs',
  'vm.swappiness',
  'vm.max_map_count',
  'fs.file-max',
  'net.core.somaxconn',
  'net.ipv4.tcp_allowed_congestion_control',
] as const
export type SysctlKey = (typeof SYSCTL_KEYS)[number]

export interface LogDirFacts {
  dir: string
  /** Filesystem type from the mount table ('unknown' when not found). */
  fsType: string
  mountPoint: string
  /** Size of the filesystem in bytes (0 when statfs failed). */
  totalBytes: number
  partitions: number
}

export interface MachineFacts {
  memTotalBytes: number
  swapTotalBytes: number
  /** null: the file is missing or unreadable. */
  sysctl: Record<SysctlKey, string | null>
  availableCongestion: string[]
  nofileSoft: number | null
  nofileHard: number | null
  nrOpen: number | null
  logDirs: LogDirFacts[]
}

export function sysctlPath(procRoot: string, key: string): string {
  return path.join(procRoot, 'sys', ...key.split('.'))
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

export function readSysctl(procRoot: string, key: string): string | null {
  const t = readText(sysctlPath(procRoot, key))
  // Multi-value files separate with tabs or spaces; normalise to single spaces.
  return t === null ? null : t.trim().split(/\s+/).join(' ')
}

function meminfoBytes(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s*kB`, 'm').exec(text)
  return m === null ? 0 : Number(m[1]) * 1024
}

function parseLimit(v: string | undefined): number | null {
  if (v === undefined) return null
  return v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v)
}

/** "Max open files            1024                 1048576              files" */
export function parseOpenFilesLimit(text: string): { soft: number | null; hard: number | null } {
  const line = text.split('\n').find((l) => l.startsWith('Max open files'))
  if (line === undefined) return { soft: null, hard: null }
  const parts = line.slice('Max open files'.length).trim().split(/\s+/)
  return { soft: parseLimit(parts[0]), hard: parseLimit(parts[1]) }
}

interface Mount {
  point: string
  type: string
}

function parseMounts(text: string): Mount[] {
  const out: Mount[] = []
  for (const line of text.split('\n')) {
    const f = line.split(' ')
    if (f.length < 3) continue
    // The mount table escapes spaces as \040.
    out.push({ point: (f[1] as string).replace(/\\040/g, ' '), type: f[2] as string })
  }
  return out
}

/** The deepest existing ancestor of dir (log dirs may not exist yet). */
function existingAncestor(dir: string): string {
  let d = path.resolve(dir)
  for (;;) {
    try {
      return realpathSync(d)
    } catch {
      const up = path.dirname(d)
      if (up === d) return d
      d = up
    }
  }
}

function countPartitions(dir: string): number {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter(
      (e) => e.isDirectory() && /^.+-\d+$/.test(e.name) && !e.name.endsWith('-delete'),
    ).length
  } catch {
    return 0
  }
}

function logDirFacts(dir: string, mounts: Mount[]): LogDirFacts {
  const real = existingAncestor(dir)
  let best: Mount = { point: '/', type: 'unknown' }
  let bestLen = -1
  for (const m of mounts) {
    const inside = m.point === '/' || real === m.point || real.startsWith(m.point + '/')
    // Later entries win at equal depth: they are mounted over earlier ones.
    if (inside && m.point.length >= bestLen) {
      best = m
      bestLen = m.point.length
    }
  }
  let totalBytes: number
  try {
    const s = statfsSync(real)
    totalBytes = s.blocks * s.bsize
  } catch {
    totalBytes = 0
  }
  return {
    dir,
    fsType: best.type,
    mountPoint: best.point,
    totalBytes,
    partitions: countPartitions(dir),
  }
}

export function probeMachine(procRoot: string, logDirs: readonly string[]): MachineFacts {
  const sysctl = {} as Record<SysctlKey, string | null>
  for (const k of SYSCTL_KEYS) sysctl[k] = readSysctl(procRoot, k)
  const meminfo = readText(path.join(procRoot, 'meminfo')) ?? ''
  const limits = parseOpenFilesLimit(readText(path.join(procRoot, 'self', 'limits')) ?? '')
  const nrOpen = readSysctl(procRoot, 'fs.nr_open')
  const mounts = parseMounts(readText(path.join(procRoot, 'mounts')) ?? '')
  return {
    memTotalBytes: meminfoBytes(meminfo, 'MemTotal'),
    swapTotalBytes: meminfoBytes(meminfo, 'SwapTotal'),
    sysctl,
    availableCongestion: (readSysctl(procRoot, 'net.ipv4.tcp_available_congestion_control') ?? '')
      .split(' ')
      .filter((s) => s !== ''),
    nofileSoft: limits.soft,
    nofileHard: limits.hard,
    nrOpen: nrOpen === null ? null : Number(nrOpen),
    logDirs: logDirs.map((d) => logDirFacts(d, mounts)),
  }
}
