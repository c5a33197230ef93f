import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { getTcpCongestion, setTcpCongestion } from '../../src/native/index.js'
import { pair, TestFiles } from './sendfile-helpers.js'

const files = new TestFiles()
afterAll(() => files.cleanup())

describe('TCP_CONGESTION', () => {
  it('reads the algorithm, sets an allowed one, and reports errors with a code', async () => {
    const p = await pair()
    try {
      const current = getTcpCongestion(p.fd)
      const available = readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8')
      expect(available.split(/\s+/)).toContain(current)
      setTcpCongestion(p.fd, current)
      expect(getTcpCongestion(p.fd)).toBe(current)
      expect(() => setTcpCongestion(p.fd, 'no-such-algorithm')).toThrow(
        expect.objectContaining({ code: 'ENOENT', syscall: 'setsockopt' }),
      )
      const file = files.create('not-a-socket', 1)
      expect(() => getTcpCongestion(file.fd)).toThrow(
        expect.objectContaining({ code: 'ENOTSOCK', syscall: 'getsockopt' }),
      )
    } finally {
      await p.close()
    }
  })
})
