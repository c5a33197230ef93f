// Recommended kernel settings for a broker, derived from the machine (RAM, log-dir filesystems)
// and the broker's configuration (segment size, roll time, retention). Pure: facts in, plan out.
//
// Why these settings: the broker writes through the page cache and lets the kernel write back
// (no fsync by default), reads recent data from the page cache, mmaps two index files per
// segment and keeps segment files open. So: start background write-back early (a few seconds
// of disk bandwidth, not 10% of a large RAM), let writers run far before they are throttled,
// never swap the process out for page cache, allow enough memory maps and file descriptors for
// every segment, and let the broker pick cubic on loopback (bbr halves loopback throughput).

import type { MachineFacts, SysctlKey } from './probe.js'

export interface TuneInputs {
  segmentBytes: number
  segmentMs: number
  /** -1 = keep forever. */
  retentionMs: number
  /** -1 = no size limit. */
  retentionBytes: number
  /** Expected partitions (replicas) on this broker; null = estimate from the log dirs. */
  partitions: number | null
  /** Expected client connections. */
  connections: number
}

export interface Recommendation {
  key: SysctlKey | 'nofile'
  /** 'limit' = a process limit (LimitNOFILE), not a sysctl: --apply does not change it. */
  kind: 'sysctl' | 'limit'
  current: string | null
  recommended: string
  change: boolean
  reason: string
}

export interface TunePlan {
  memTotalBytes: number
  logDirs: MachineFacts['logDirs']
  estimate: {
    partitions: number
    partitionsAssumed: boolean
    segments: number
    mmaps: number
    fds: number
  }
  recommendations: Recommendation[]
  notes: string[]
}

const GIB = 1024 ** 3
export const DEFAULT_PARTITIONS = 1000
/** Default LimitNOFILE of scripts/samsa.service. */
export const UNIT_NOFILE = 1_048_576
/** Dirty data at which background write-back should start: ~2 s of a fast SSD's bandwidth. */
const BACKGROUND_TARGET_BYTES = GIB

export function gib(bytes: number): string {
  return `${(bytes / GIB).toFixed(1)} GiB`
}

function nextPow2(n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

/** The current value when it is already at least `min` (compared exactly: file-max may be 2^63-1). */
function atLeast(current: string | null, min: number): string {
  if (current !== null && /^\d+$/.test(current) && BigInt(current) >= BigInt(min)) return current
  return String(min)
}

function num(v: string | null): number | null {
  if (v === null || !/^\d+$/.test(v)) return null
  return Number(v)
}

export function estimateSegments(facts: MachineFacts, inputs: TuneInputs): TunePlan['estimate'] {
  const existing = facts.logDirs.reduce((s, d) => s + d.partitions, 0)
  const partitionsAssumed = inputs.partitions === null
  const partitions = inputs.partitions ?? Math.max(existing, DEFAULT_PARTITIONS)
  // Time-based rolls: each partition holds at most retention/roll closed segments + the active
  // one (capped: a tiny roll time with infinite retention has no useful bound).
  const perPartition =
    inputs.retentionMs > 0 && inputs.segmentMs > 0
      ? Math.min(Math.ceil(inputs.retentionMs / inputs.segmentMs) + 1, 10_000)
      : 1
  // Size-based rolls: no more full segments than the log-dir filesystems (or retention) hold.
  const mounts = new Map(facts.logDirs.map((d) => [d.mountPoint, d.totalBytes]))
  const diskBytes = [...mounts.values()].reduce((s, b) => s + b, 0)
  const sizeBytes =
    inputs.retentionBytes > 0 ? Math.min(diskBytes, partitions * inputs.retentionBytes) : diskBytes
  const segments = partitions * perPartition + Math.ceil(sizeBytes / inputs.segmentBytes)
  return {
    partitions,
    partitionsAssumed,
    segments,
    mmaps: 2 * segments,
    // .log, .index and .timeindex of every segment, the clients, and the process's own.
    fds: 3 * segments + inputs.connections + 1024,
  }
}

export function recommend(facts: MachineFacts, inputs: TuneInputs): TunePlan {
  const est = estimateSegments(facts, inputs)
  const ram = facts.memTotalBytes
  const s = facts.sysctl
  const out: Recommendation[] = []
  const add = (
    key: Recommendation['key'],
    current: string | null,
    rec: string,
    reason: string,
    kind: Recommendation['kind'] = 'sysctl',
  ): void => {
    out.push({ key, kind, current, recommended: rec, change: current !== rec, reason })
  }

  const bgCur = num(s['vm.dirty_background_ratio'])
  let bg =
    ram > 0 ? Math.min(10, Math.max(1, Math.round((BACKGROUND_TARGET_BYTES / ram) * 100))) : 10
  if (bgCur !== null && bgCur >= 1 && bgCur < bg) bg = bgCur
  add(
    'vm.dirty_background_ratio',
    s['vm.dirty_background_ratio'],
    String(bg),
    `background write-back starts at ~${gib((ram * bg) / 100)} dirty (${bg}% of ${gib(ram)} RAM): ` +
      'early and steady, instead of large bursts that stall the disk for other I/O',
  )

  const ratioCur = num(s['vm.dirty_ratio'])
  let ratio = ram >= 8 * GIB ? 60 : 40
  if (ratioCur !== null && ratioCur > ratio && ratioCur <= 80) ratio = ratioCur
  ratio = Math.max(ratio, bg * 4)
  add(
    'vm.dirty_ratio',
    s['vm.dirty_ratio'],
    String(ratio),
    `writers are throttled only at ~${gib((ram * ratio) / 100)} dirty: headroom so a produce ` +
      'burst is absorbed by the page cache instead of blocking in write-back',
  )

  const expireCur = num(s['vm.dirty_expire_centisecs'])
  const expire = expireCur !== null && expireCur > 0 && expireCur < 1500 ? expireCur : 1500
  add(
    'vm.dirty_expire_centisecs',
    s['vm.dirty_expire_centisecs'],
    String(expire),
    `data dirty for ${expire / 100} s is written back: logs are append-only, so writing ` +
      'early costs nothing and bounds what a power loss can take',
  )

  const wbCur = num(s['vm.dirty_writeback_centisecs'])
  const wb = wbCur !== null && wbCur > 0 && wbCur <= 500 ? wbCur : 500
  add(
    'vm.dirty_writeback_centisecs',
    s['vm.dirty_writeback_centisecs'],
    String(wb),
    `the flusher wakes every ${wb / 100} s (0 would disable periodic write-back)`,
  )

  add(
    'vm.swappiness',
    s['vm.swappiness'],
    '1',
    'the page cache is the broker’s cache: reclaim it before swapping the process out' +
      (facts.swapTotalBytes === 0 ? ' (no swap configured; 1 costs nothing)' : ''),
  )

  const maps = atLeast(s['vm.max_map_count'], Math.max(262_144, nextPow2(est.mmaps * 2 + 65_536)))
  add(
    'vm.max_map_count',
    s['vm.max_map_count'],
    maps,
    `~${est.segments} segments × 2 mmapped indexes = ${est.mmaps} maps, doubled for headroom ` +
      'plus the runtime’s own; running out makes mmap fail and takes partitions offline',
  )

  const nofileNeed = Math.max(UNIT_NOFILE, nextPow2(est.fds * 2))
  add(
    'fs.file-max',
    s['fs.file-max'],
    atLeast(s['fs.file-max'], nofileNeed * 2),
    `system-wide file handles: at least twice the broker’s open-files limit (${nofileNeed})`,
  )

  add(
    'net.core.somaxconn',
    s['net.core.somaxconn'],
    atLeast(s['net.core.somaxconn'], 4096),
    'accept backlog: a reconnect storm of many clients must not overflow the listen queue',
  )

  const notes: string[] = []
  const allowedCur = s['net.ipv4.tcp_allowed_congestion_control']
  const allowed = (allowedCur ?? '').split(' ').filter((x) => x !== '')
  const cubicAvailable =
    facts.availableCongestion.length === 0 || facts.availableCongestion.includes('cubic')
  if (!allowed.includes('cubic') && cubicAvailable) allowed.push('cubic')
  if (!cubicAvailable) notes.push('cubic is not available: load it with `modprobe tcp_cubic`')
  add(
    'net.ipv4.tcp_allowed_congestion_control',
    allowedCur,
    allowed.join(' '),
    'lets the broker select cubic per socket without root (samsa.tcp.congestion=cubic): on ' +
      'loopback bbr halves throughput and doubles CPU per GB',
  )

  const soft = facts.nofileSoft
  add(
    'nofile',
    soft === null ? null : String(soft),
    atLeast(soft === null ? null : String(soft), nofileNeed),
    `~${est.fds} descriptors needed (3 per segment + ${inputs.connections} connections + 1024); ` +
      'set LimitNOFILE in samsa.service or /etc/security/limits.d (not changed by --apply)',
    'limit',
  )
  if (facts.nrOpen !== null && nofileNeed > facts.nrOpen)
    notes.push(`fs.nr_open is ${facts.nrOpen}: raise it to at least ${nofileNeed} for LimitNOFILE`)
  if (est.partitionsAssumed)
    notes.push(`partitions assumed ${est.partitions}: pass --partitions N for your expected count`)
  for (const d of facts.logDirs) {
    if (d.fsType === 'tmpfs' || d.fsType === 'ramfs')
      notes.push(
        `${d.dir} is on ${d.fsType}: the data is lost at reboot and competes with the page cache`,
      )
    else if (/^(nfs|nfs4|cifs|smb3|fuse\..*)$/.test(d.fsType))
      notes.push(
        `${d.dir} is on ${d.fsType}: network filesystems break mmap and locking; use a local disk`,
      )
    else if (d.fsType === 'unknown')
      notes.push(`${d.dir}: filesystem type not found in the mount table`)
  }
  return { memTotalBytes: ram, logDirs: facts.logDirs, estimate: est, recommendations: out, notes }
}
