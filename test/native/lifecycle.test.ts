import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const fixture = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'fixtures',
  'parked-send.mjs',
)

function run(
  mode: string,
): Promise<{ code: number | null; signal: string | null; stdout: string; ms: number }> {
  const t0 = performance.now()
  return new Promise((resolve) => {
    execFile(process.execPath, [fixture, mode], { timeout: 10_000 }, (err, stdout) => {
      const e = err as (Error & { code?: number; signal?: string }) | null
      resolve({
        code: e === null ? 0 : typeof e.code === 'number' ? e.code : null,
        signal: e?.signal ?? null,
        stdout,
        ms: performance.now() - t0,
      })
    })
  })
}

describe('sendfile engine lifecycle', () => {
  it('process.exit() with a parked send exits cleanly', async () => {
    const r = await run('exit')
    expect(r).toMatchObject({ code: 0, signal: null })
    expect(r.ms).toBeLessThan(5000)
  })

  it('terminating a worker with a parked send joins its sender thread', async () => {
    const r = await run('worker')
    expect(r).toMatchObject({ code: 0, signal: null })
    expect(r.stdout).toContain('terminated')
  })

  it('the process exits by itself once no send is in flight', async () => {
    const r = await run('drain')
    expect(r).toMatchObject({ code: 0, signal: null })
    expect(JSON.parse(r.stdout)).toEqual([[1, 'ECANCELED']])
  })
})
