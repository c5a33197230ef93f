// Start-up loading: partitions recover side by side (bounded per log dir), the event loop keeps
// turning, and progress lines come at most once a second once loading runs past a second. Slow
// disks are simulated by a FileSystem double: a fake clock that jumps per read, or real delays.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RealFileSystem } from '../../src/log/fs.js'
import type { PositionalRead } from '../../src/log/fs.js'
import { LogManager } from '../../src/log/log-manager.js'
import { batch, config, rmDir, tmpDir } from './helpers.js'

interface Line {
  msg: string
  at: number
  fields: Record<string, unknown>
}

/** Reads through the thread pool as usual, but each one first runs `beforeRead` for its dir. */
class SlowFileSystem extends RealFileSystem {
  private readonly fdDirs = new Map<number, string>()
  private readonly inFlight = new Map<string, number>()
  /** Most partition dirs with a read in flight at one time. */
  maxBusyDirs = 0
  readonly busyPairs = new Set<string>()
  reads = 0
  constructor(private readonly beforeRead: (dir: string) => Promise<void> | void) {
    super()
  }

  override open(p: string, flags: string): number {
    const fd = super.open(p, flags)
    this.fdDirs.set(fd, path.dirname(p))
    return fd
  }

  override async readAsync(...args: PositionalRead): Promise<number> {
    const dir = this.fdDirs.get(args[0]) ?? ''
    this.inFlight.set(dir, (this.inFlight.get(dir) ?? 0) + 1)
    const busy = [...this.inFlight].filter(([, n]) => n > 0).map(([d]) => path.basename(d))
    this.maxBusyDirs = Math.max(this.maxBusyDirs, busy.length)
    if (busy.length > 1) this.busyPairs.add(busy.sort().join(' '))
    try {
      this.reads++
      await this.beforeRead(dir)
      return await super.readAsync(...args)
    } finally {
      this.inFlight.set(dir, (this.inFlight.get(dir) ?? 1) - 1)
    }
  }
}

let root: string
let dirs: string[]
const managers: LogManager[] = []
beforeEach(() => {
  root = tmpDir()
  dirs = [path.join(root, 'd1'), path.join(root, 'd2')]
})
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close().catch(() => {})
  rmDir(root)
})

const defaults = config({ segmentBytes: 2000, indexIntervalBytes: 200 })
const PARTITIONS = 6
const BATCHES = 30

/** Writes PARTITIONS logs over `logDirs`, then makes the shutdown look unclean; returns the bytes. */
async function prepare(logDirs: string[]): Promise<number> {
  const m = await LogManager.open({ logDirs, defaults })
  for (let p = 0; p < PARTITIONS; p++) {
    const log = m.create('t', p)
    for (let i = 0; i < BATCHES; i++) log.append(batch(2, { size: 40, tag: `p${p}` }))
  }
  await m.close()
  let bytes = 0
  for (const d of logDirs) {
    fs.unlinkSync(path.join(d, '.kafka_cleanshutdown'))
    fs.writeFileSync(path.join(d, 'recovery-point-offset-checkpoint'), '0\n0\n')
    for (const name of fs.readdirSync(d)) {
      if (!name.startsWith('t-')) continue
      for (const f of fs.readdirSync(path.join(d, name)))
        if (f.endsWith('.log')) bytes += fs.statSync(path.join(d, name, f)).size
    }
  }
  return bytes
}

async function open(
  logDirs: string[],
  fsImpl: RealFileSystem,
  lines: Line[],
  clock: () => number = Date.now,
  recoveryThreadsPerDataDir?: number,
): Promise<LogManager> {
  const m = await LogManager.open({
    logDirs,
    defaults,
    fs: fsImpl,
    clock,
    recoveryThreadsPerDataDir,
    log: (_level, msg, fields) => lines.push({ msg, at: clock(), fields: fields ?? {} }),
  })
  managers.push(m)
  return m
}

function expectAllLoaded(m: LogManager): void {
  for (let p = 0; p < PARTITIONS; p++) expect(m.get('t', p)?.logEndOffset).toBe(BATCHES * 2)
}

describe('log loading', () => {
  it('reports progress at most once a second on a slow disk, then a summary', async () => {
    const total = await prepare([root])
    let now = 1_000_000
    const start = now
    const lines: Line[] = []
    // Every read "takes" 350 ms of the injected clock.
    const slow = new SlowFileSystem(() => {
      now += 350
    })
    const m = await open([root], slow, lines, () => now, 2)
    expectAllLoaded(m)
    const progress = lines.filter((l) => l.msg === 'loading logs')
    const summary = lines.filter((l) => l.msg === 'logs loaded')
    const elapsed = now - start
    expect(slow.reads).toBeGreaterThan(10)
    expect(progress.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 1000) - 2)
    expect(progress.length).toBeLessThanOrEqual(Math.floor(elapsed / 1000))
    expect(progress[0].at - start).toBeGreaterThanOrEqual(1000)
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].at - progress[i - 1].at).toBeGreaterThanOrEqual(1000)
      for (const k of ['partitionsDone', 'bytesDone'])
        expect(progress[i].fields[k] as number).toBeGreaterThanOrEqual(
          progress[i - 1].fields[k] as number,
        )
    }
    for (const l of progress) {
      expect(l.fields).toMatchObject({ partitionsTotal: PARTITIONS, bytesTotal: total })
      expect(l.fields.bytesDone as number).toBeLessThanOrEqual(total)
    }
    // Mid-way lines show partial work.
    expect(progress[0].fields.bytesDone as number).toBeLessThan(total)
    expect(summary).toHaveLength(1)
    expect(summary[0].fields).toMatchObject({
      partitionsDone: PARTITIONS,
      partitionsTotal: PARTITIONS,
      bytesDone: total,
      bytesTotal: total,
      ms: elapsed,
    })
  })

  it('a fast load logs only the summary', async () => {
    const total = await prepare([root])
    const lines: Line[] = []
    const m = await open([root], new SlowFileSystem(() => {}), lines, () => 5)
    expectAllLoaded(m)
    expect(lines.filter((l) => l.msg === 'loading logs')).toEqual([])
    expect(lines.filter((l) => l.msg === 'logs loaded').map((l) => l.fields)).toEqual([
      { partitionsDone: 6, partitionsTotal: 6, bytesDone: total, bytesTotal: total, ms: 0 },
    ])
  })

  it('recovers up to recoveryThreadsPerDataDir partitions of a dir at once', async () => {
    await prepare([root])
    const slow = new SlowFileSystem(() => new Promise((r) => setTimeout(r, 3)))
    const m = await open([root], slow, [], Date.now, 3)
    expectAllLoaded(m)
    expect(slow.maxBusyDirs).toBe(3)
  })

  it('one partition per dir by default, the dirs side by side', async () => {
    await prepare(dirs)
    const slow = new SlowFileSystem(() => new Promise((r) => setTimeout(r, 3)))
    const m = await open(dirs, slow, [])
    expectAllLoaded(m)
    expect(slow.maxBusyDirs).toBe(2)
    // Two busy partitions were always one of each dir.
    for (const pair of slow.busyPairs) {
      const [a, b] = pair.split(' ')
      expect(m.get('t', Number(a.slice(2)))?.dir.startsWith(dirs[0])).not.toBe(
        m.get('t', Number(b.slice(2)))?.dir.startsWith(dirs[0]),
      )
    }
  })

  it('the event loop keeps turning while logs recover', async () => {
    await prepare([root])
    let ticks = 0
    const timer = setInterval(() => ticks++, 1)
    try {
      const slow = new SlowFileSystem(() => new Promise((r) => setTimeout(r, 2)))
      const m = await open([root], slow, [])
      expectAllLoaded(m)
      // Timers fired between the reads: at least one per few reads.
      expect(ticks).toBeGreaterThan(slow.reads / 4)
    } finally {
      clearInterval(timer)
    }
  })

  it('a read error fails the start-up with that error', async () => {
    await prepare([root])
    const failing = new SlowFileSystem((dir) => {
      if (path.basename(dir) === 't-4')
        throw Object.assign(new Error('EIO: injected'), { code: 'EIO' })
    })
    await expect(open([root], failing, [], Date.now, 2)).rejects.toThrow(/EIO/)
  })
})
