import { existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runTune } from '../../src/cli/tune/command.js'
import type { TunePlan } from '../../src/cli/tune/recommend.js'
import { makeFakeProc } from './fake-proc.js'
import type { FakeProc } from './fake-proc.js'

const made: FakeProc[] = []
afterEach(() => {
  for (const f of made.splice(0)) rmSync(f.root, { recursive: true, force: true })
})

function fake(memKiB?: number): FakeProc {
  const f = makeFakeProc(memKiB)
  made.push(f)
  return f
}

async function tune(
  f: FakeProc,
  extra: string[],
  uid = 1000,
): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runTune(
    [
      '--proc-root',
      f.procRoot,
      '--sysctl-dir',
      f.sysctlDir,
      '--set',
      `log.dirs=${f.dataDir}`,
      '--set',
      'log.segment.bytes=1073741824',
      ...extra,
    ],
    { getuid: () => uid, out: (t) => (out += t), err: (t) => (err += t), env: {} },
  )
  return { code, out, err }
}

function rec(plan: TunePlan, key: string): TunePlan['recommendations'][number] {
  const r = plan.recommendations.find((x) => x.key === key)
  if (r === undefined) throw new Error(`no recommendation for ${key}`)
  return r
}

describe('samsa tune', () => {
  it('dry run (the default) prints current vs recommended with reasons and changes nothing', async () => {
    const f = fake()
    const before = readFileSync(f.sysctlFile('vm.swappiness'), 'utf8')
    const r = await tune(f, ['--partitions', '500'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/machine: 24\.0 GiB RAM; log dirs .*\(xfs, /)
    expect(r.out).toMatch(/\* vm\.swappiness\s+60\s+1\n/)
    expect(r.out).toMatch(
      /\* vm\.dirty_background_ratio\s+10\s+4\n\s+background write-back starts at ~1\.0 GiB/,
    )
    expect(r.out).toMatch(/\* nofile\s+1024\s+1048576/)
    // already fine: not marked
    expect(r.out).toMatch(/\n {2}net\.core\.somaxconn\s+4096\s+4096/)
    expect(r.out).toMatch(/\n {2}fs\.file-max\s+9223372036854775807\s+9223372036854775807/)
    expect(r.out).toMatch(/dry run/)
    expect(existsSync(f.sysctlDir)).toBe(false)
    expect(readFileSync(f.sysctlFile('vm.swappiness'), 'utf8')).toBe(before)
  })

  it('--json gives the plan; map count covers 2 maps per expected segment with headroom', async () => {
    const f = fake()
    const r = await tune(f, [
      '--json',
      '--set',
      'log.segment.bytes=1048576',
      '--partitions',
      '2000',
    ])
    expect(r.code).toBe(0)
    const plan = JSON.parse(r.out) as TunePlan & { applied: unknown }
    expect(plan.applied).toBeNull()
    expect(plan.logDirs[0]?.fsType).toBe('xfs')
    expect(plan.estimate.partitions).toBe(2000)
    // 1 MiB segments: the filesystem's size / 1 MiB full segments + (7d/7d + 1) per partition
    const disk = plan.logDirs[0]?.totalBytes ?? 0
    expect(disk).toBeGreaterThan(0)
    expect(plan.estimate.segments).toBe(2000 * 2 + Math.ceil(disk / 1048576))
    expect(plan.estimate.mmaps).toBe(2 * plan.estimate.segments)
    const maps = Number(rec(plan, 'vm.max_map_count').recommended)
    expect(maps).toBeGreaterThanOrEqual(2 * plan.estimate.mmaps)
    const nofile = Number(rec(plan, 'nofile').recommended)
    expect(nofile).toBeGreaterThanOrEqual(plan.estimate.fds)
    expect(rec(plan, 'net.ipv4.tcp_allowed_congestion_control').recommended).toBe('reno bbr cubic')
    expect(rec(plan, 'vm.dirty_ratio').recommended).toBe('60')
  })

  it('existing partitions in the log dirs are counted when --partitions is absent', async () => {
    const f = fake()
    const plan = JSON.parse((await tune(f, ['--json'])).out) as TunePlan
    expect(plan.logDirs[0]?.partitions).toBe(2)
    expect(plan.estimate.partitionsAssumed).toBe(true)
    expect(plan.estimate.partitions).toBe(1000)
    expect(plan.notes.join('\n')).toMatch(/--partitions N/)
  })

  it('small machines keep the default background ratio and a lower dirty ratio', async () => {
    const f = fake(2 * 1024 * 1024)
    const plan = JSON.parse((await tune(f, ['--json'])).out) as TunePlan
    expect(rec(plan, 'vm.dirty_background_ratio').recommended).toBe('10')
    expect(rec(plan, 'vm.dirty_background_ratio').change).toBe(false)
    expect(rec(plan, 'vm.dirty_ratio').recommended).toBe('40')
  })

  it('--apply refuses when not root and writes nothing', async () => {
    const f = fake()
    const r = await tune(f, ['--apply'], 1000)
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/must run as root/)
    expect(r.err).toMatch(/sudo samsa tune --apply/)
    expect(existsSync(f.sysctlDir)).toBe(false)
    expect(readFileSync(f.sysctlFile('vm.swappiness'), 'utf8').trim()).toBe('60')
  })

  it('--apply as root writes 60-samsa.conf and the /proc/sys values', async () => {
    const f = fake()
    const r = await tune(f, ['--apply', '--partitions', '100'], 0)
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const conf = readFileSync(path.join(f.sysctlDir, '60-samsa.conf'), 'utf8')
    expect(conf).toMatch(/^vm\.swappiness = 1$/m)
    expect(conf).toMatch(/^vm\.dirty_background_ratio = 4$/m)
    expect(conf).toMatch(/^net\.ipv4\.tcp_allowed_congestion_control = reno bbr cubic$/m)
    expect(conf).toMatch(/^# the page cache is the broker/m)
    expect(conf).not.toMatch(/nofile/)
    expect(readFileSync(f.sysctlFile('vm.swappiness'), 'utf8').trim()).toBe('1')
    expect(readFileSync(f.sysctlFile('vm.dirty_ratio'), 'utf8').trim()).toBe('60')
    expect(readFileSync(f.sysctlFile('vm.max_map_count'), 'utf8').trim()).toBe('262144')
    // unchanged keys are not rewritten
    expect(readFileSync(f.sysctlFile('fs.file-max'), 'utf8').trim()).toBe('9223372036854775807')
    expect(r.out).toMatch(/applied: .*vm\.swappiness/)
    // a second run finds nothing left to change
    const again = await tune(f, ['--partitions', '100'])
    expect(again.out).toMatch(/\n {2}vm\.swappiness\s+1\s+1\n/)
  })

  it('unknown options are usage errors', async () => {
    const f = fake()
    await expect(tune(f, ['--frob'])).rejects.toThrow(/unknown option '--frob'/)
  })
})
