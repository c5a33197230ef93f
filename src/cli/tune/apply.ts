// `samsa tune --apply`: writes the recommended sysctls to <sysctlDir>/60-samsa.conf (so they
// survive a reboot; systemd-sysctl reads that directory at boot) and applies them now by writing
// the files under <procRoot>/sys, which is what `sysctl -p` does.

import { renameSync, writeFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { sysctlPath } from './probe.js'
import type { Recommendation } from './recommend.js'

export const SYSCTL_FILE = '60-samsa.conf'

export interface ApplyResult {
  file: string
  applied: string[]
  failed: Array<{ key: string; error: string }>
}

export function renderSysctlFile(recs: readonly Recommendation[], now = new Date()): string {
  const lines = [
    `# Written by \`samsa tune --apply\` on ${now.toISOString()}.`,
    '# Kernel settings for a Samsa (Kafka-compatible) broker; re-run samsa tune to review.',
    '',
  ]
  for (const r of recs) {
    if (r.kind !== 'sysctl') continue
    lines.push(`# ${r.reason}`)
    lines.push(`${r.key} = ${r.recommended}`)
    lines.push('')
  }
  return lines.join('\n')
}

export function applySysctls(
  recs: readonly Recommendation[],
  procRoot: string,
  sysctlDir: string,
): ApplyResult {
  mkdirSync(sysctlDir, { recursive: true })
  const file = path.join(sysctlDir, SYSCTL_FILE)
  const tmp = `${file}.tmp`
  writeFileSync(tmp, renderSysctlFile(recs))
  renameSync(tmp, file)
  const applied: string[] = []
  const failed: ApplyResult['failed'] = []
  for (const r of recs) {
    if (r.kind !== 'sysctl' || !r.change) continue
    try {
      writeFileSync(sysctlPath(procRoot, r.key), r.recommended + '\n')
      applied.push(r.key)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      failed.push({ key: r.key, error: e.code ?? e.message })
    }
  }
  return { file, applied, failed }
}
