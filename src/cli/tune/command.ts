// `samsa tune`: prints the kernel settings a broker wants next to the current ones, with the
// reason for each; --apply (root only) writes /etc/sysctl.d/60-samsa.conf and applies it.
// --proc-root / --sysctl-dir (or SAMSA_PROC_ROOT / SAMSA_SYSCTL_DIR) point it at a fake tree.

import { loadBrokerConfig } from '../../config/broker-config.js'
import { parseArgs, splitKeyValue, UsageError } from '../args.js'
import { applySysctls, SYSCTL_FILE } from './apply.js'
import type { ApplyResult } from './apply.js'
import { probeMachine } from './probe.js'
import { gib, recommend } from './recommend.js'
import type { TunePlan } from './recommend.js'

export const TUNE_USAGE =
  'samsa tune [--dry-run | --apply] [--json] [--config FILE] [--set key=value ...]\n' +
  '           [--partitions N] [--connections N] [--proc-root DIR] [--sysctl-dir DIR]'

const HELP = `usage: ${TUNE_USAGE}

Compares the kernel settings a broker wants (dirty-page write-back, swappiness, memory maps, file
handles, accept backlog, TCP congestion control, open-files limit) with the current ones and
explains each, from this machine's RAM and log-dir filesystems and the broker's segment size and
retention (read from --config / --set / SAMSA_* like \`samsa start\`).

options:
  --dry-run           only print (the default)
  --apply             write <sysctl-dir>/${SYSCTL_FILE} and apply it now (needs root)
  --json              machine-readable output
  --config, -c FILE   the broker's server.properties
  --set, -s KEY=VALUE a broker property (repeatable)
  --partitions N      partitions expected on this broker (default: those in log.dirs, at least 1000)
  --connections N     client connections expected (default 10000)
  --proc-root DIR     where /proc is (default /proc; env SAMSA_PROC_ROOT)
  --sysctl-dir DIR    where sysctl.d is (default /etc/sysctl.d; env SAMSA_SYSCTL_DIR)
`

export interface TuneDeps {
  getuid?: () => number
  out?: (text: string) => void
  err?: (text: string) => void
  env?: Readonly<Record<string, string | undefined>>
}

function renderText(plan: TunePlan): string {
  const e = plan.estimate
  const dirs = plan.logDirs.map((d) => `${d.dir} (${d.fsType}, ${gib(d.totalBytes)})`).join(', ')
  const lines = [
    `machine: ${gib(plan.memTotalBytes)} RAM; log dirs ${dirs}`,
    `estimate: ${e.partitions} partitions${e.partitionsAssumed ? ' (assumed)' : ''}, ` +
      `~${e.segments} segments, ${e.mmaps} index maps, ~${e.fds} file descriptors`,
    '',
  ]
  const w = Math.max(...plan.recommendations.map((r) => r.key.length))
  const cw = Math.max(7, ...plan.recommendations.map((r) => (r.current ?? '?').length))
  lines.push(`  ${'setting'.padEnd(w)}  ${'current'.padEnd(cw)}  recommended`)
  for (const r of plan.recommendations) {
    const mark = r.change ? '*' : ' '
    lines.push(`${mark} ${r.key.padEnd(w)}  ${(r.current ?? '?').padEnd(cw)}  ${r.recommended}`)
    lines.push(`  ${''.padEnd(w)}  ${r.reason}`)
  }
  const changes = plan.recommendations.filter((r) => r.change).length
  lines.push('', changes === 0 ? 'all settings already fit.' : `* = ${changes} to change`)
  for (const n of plan.notes) lines.push(`note: ${n}`)
  return lines.join('\n') + '\n'
}

export async function runTune(args: string[], deps: TuneDeps = {}): Promise<number> {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t))
  const err = deps.err ?? ((t: string) => void process.stderr.write(t))
  const env = deps.env ?? process.env
  const a = parseArgs(args, {
    help: { alias: ['-h'] },
    'dry-run': {},
    apply: {},
    json: {},
    config: { value: true, alias: ['-c'] },
    set: { value: true, repeat: true, alias: ['-s'] },
    partitions: { value: true },
    connections: { value: true },
    'proc-root': { value: true },
    'sysctl-dir': { value: true },
  })
  if (a.has('help')) {
    out(HELP)
    return 0
  }
  if (a.positional.length > 0) throw new UsageError(`unexpected argument '${a.positional[0]}'`)
  if (a.has('apply') && a.has('dry-run'))
    throw new UsageError('--apply and --dry-run exclude each other')
  const partitions = a.int('partitions') ?? null
  const connections = a.int('connections') ?? 10_000
  if (partitions !== null && partitions < 1) throw new UsageError('--partitions must be at least 1')
  const procRoot = a.get('proc-root') ?? env.SAMSA_PROC_ROOT ?? '/proc'
  const sysctlDir = a.get('sysctl-dir') ?? env.SAMSA_SYSCTL_DIR ?? '/etc/sysctl.d'

  const { config } = loadBrokerConfig({
    file: a.get('config'),
    overrides: a.all('set').map((s) => splitKeyValue(s, '--set')),
    env,
  })
  const d = config.logDefaults
  const plan = recommend(probeMachine(procRoot, config.logDirs), {
    segmentBytes: d.segmentBytes,
    segmentMs: d.segmentMs,
    retentionMs: d.retentionMs,
    retentionBytes: d.retentionBytes,
    partitions,
    connections,
  })

  let applied: ApplyResult | null = null
  if (a.has('apply')) {
    const uid = (deps.getuid ?? process.getuid)?.() ?? -1
    if (uid !== 0) {
      err(
        `samsa tune --apply must run as root: it writes ${sysctlDir}/${SYSCTL_FILE} and ` +
          `${procRoot}/sys. Run \`sudo samsa tune --apply\`, or review with \`samsa tune\`.\n`,
      )
      return 1
    }
    applied = applySysctls(plan.recommendations, procRoot, sysctlDir)
  }

  if (a.has('json')) out(JSON.stringify({ ...plan, applied }, null, 2) + '\n')
  else {
    out(renderText(plan))
    if (applied !== null) {
      out(`wrote ${applied.file}\n`)
      out(
        applied.applied.length > 0
          ? `applied: ${applied.applied.join(', ')}\n`
          : 'nothing to apply now\n',
      )
      for (const f of applied.failed) err(`could not apply ${f.key}: ${f.error}\n`)
    } else out(`dry run: \`samsa tune --apply\` (as root) writes ${sysctlDir}/${SYSCTL_FILE}\n`)
  }
  return applied !== null && applied.failed.length > 0 ? 1 : 0
}
