import { describe, expect, it } from 'vitest'
import { chooseFormat, createLogger } from '../../src/server/logger.js'

function sink(isTTY: boolean): { write(s: string): boolean; isTTY: boolean; text: string } {
  return {
    isTTY,
    text: '',
    write(s: string) {
      this.text += s
      return true
    },
  }
}

describe('logger', () => {
  it('writes one JSON object per line with level, msg and fields when not on a TTY', () => {
    const s = sink(false)
    const log = createLogger({ sink: s, env: {} })
    log('info', 'logs loaded', { partitions: 3, dir: '/var/lib/samsa' })
    log('warn', 'no fields')
    log('error', 'append failed', {
      error: Object.assign(new Error('disk full'), { code: 'ENOSPC' }),
    })
    const lines = s.text.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    const [a, b, c] = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(a).toMatchObject({
      level: 'info',
      msg: 'logs loaded',
      partitions: 3,
      dir: '/var/lib/samsa',
    })
    expect(typeof a?.time).toBe('string')
    expect(a?.pid).toBe(process.pid)
    expect(b).toMatchObject({ level: 'warn', msg: 'no fields' })
    expect(c?.level).toBe('error')
    expect(c?.error).toMatchObject({ message: 'disk full', code: 'ENOSPC' })
  })

  it('writes compact readable lines on a TTY', () => {
    const s = sink(true)
    const log = createLogger({ sink: s, env: {} })
    log('warn', 'slow disk', { ms: 120, path: 'a b', error: new Error('x') })
    expect(s.text).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z WARN {2}slow disk ms=120 path="a b" error="x"\n$/,
    )
  })

  it('SAMSA_LOG_FORMAT overrides the TTY choice', () => {
    expect(chooseFormat(true, { SAMSA_LOG_FORMAT: 'json' })).toBe('json')
    expect(chooseFormat(false, { SAMSA_LOG_FORMAT: 'text' })).toBe('text')
    expect(chooseFormat(false, {})).toBe('json')
    expect(chooseFormat(true, {})).toBe('text')
  })
})
