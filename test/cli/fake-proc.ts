// A fake /proc tree for `samsa tune` tests: the sysctl files, meminfo, self/limits and mounts.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const FAKE_SYSCTLS: Record<string, string> = {
  'vm.dirty_background_ratio': '10',
  'vm.dirty_ratio': '20',
  'vm.dirty_expire_centisecs': '3000',
  'vm.dirty_writeback_centisecs': '500',
  'vm.swappiness': '60',
  'vm.max_map_count': '65530',
  'fs.file-max': '9223372036854775807',
  'fs.nr_open': '1048576',
  'net.core.somaxconn': '4096',
  'net.ipv4.tcp_allowed_congestion_control': 'reno bbr',
  'net.ipv4.tcp_available_congestion_control': 'reno cubic bbr',
}

export interface FakeProc {
  root: string
  procRoot: string
  sysctlDir: string
  dataDir: string
  sysctlFile(key: string): string
}

export function makeFakeProc(memKiB = 25_165_824, sysctls = FAKE_SYSCTLS): FakeProc {
  const root = mkdtempSync(path.join(os.tmpdir(), 'samsa-tune-'))
  const procRoot = path.join(root, 'proc')
  const sysctlFile = (key: string): string => path.join(procRoot, 'sys', ...key.split('.'))
  for (const [k, v] of Object.entries(sysctls)) {
    mkdirSync(path.dirname(sysctlFile(k)), { recursive: true })
    writeFileSync(sysctlFile(k), v.replace(/ /g, '\t') + '\n')
  }
  writeFileSync(
    path.join(procRoot, 'meminfo'),
    `MemTotal:       ${memKiB} kB\nMemFree:         1000 kB\nSwapTotal:             0 kB\n`,
  )
  mkdirSync(path.join(procRoot, 'self'))
  writeFileSync(
    path.join(procRoot, 'self', 'limits'),
    'Limit                     Soft Limit           Hard Limit           Units\n' +
      'Max open files            1024                 524288               files\n',
  )
  writeFileSync(path.join(procRoot, 'mounts'), 'proc /proc proc rw 0 0\n/dev/vda1 / xfs rw 0 0\n')
  const dataDir = path.join(root, 'data')
  mkdirSync(path.join(dataDir, 'events-0'), { recursive: true })
  mkdirSync(path.join(dataDir, 'events-1'))
  return { root, procRoot, sysctlDir: path.join(root, 'sysctl.d'), dataDir, sysctlFile }
}
