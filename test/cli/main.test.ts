import { describe, expect, it } from 'vitest'
import { runSamsa, startBrokerProcess } from '../helpers/broker-process.js'

describe('samsa CLI', () => {
  it('--help lists the commands', async () => {
    const r = await runSamsa(['--help'])
    expect(r.code).toBe(0)
    expect(r.output).toMatch(/usage: samsa <command>/)
    expect(r.output).toMatch(/start\s+run the broker/)
  })

  it('start --help lists properties with defaults and environment names', async () => {
    const r = await runSamsa(['start', '--help'])
    expect(r.code).toBe(0)
    expect(r.output).toMatch(/log\.dirs/)
    expect(r.output).toMatch(/SAMSA_LOG_DIRS/)
    expect(r.output).toMatch(/message\.max\.bytes.*default 1048588/)
  })

  it('an unknown command exits 2', async () => {
    const r = await runSamsa(['frobnicate'])
    expect(r.code).toBe(2)
    expect(r.output).toMatch(/unknown command 'frobnicate'/)
  })

  it('a malformed value stops start-up with the key named', async () => {
    const r = await runSamsa(['start', '--set', 'num.partitions=lots'])
    expect(r.code).toBe(2)
    expect(r.output).toMatch(/config num\.partitions: 'lots' is not an integer/)
    expect(r.output).not.toMatch(/listening/)
  })

  it('a missing config file is reported', async () => {
    const r = await runSamsa(['start', '--config', '/nonexistent/server.properties'])
    expect(r.code).toBe(2)
    expect(r.output).toMatch(/cannot read \/nonexistent\/server.properties/)
  })

  it('unknown keys are warned about by name and the broker still starts', async () => {
    const b = await startBrokerProcess({
      set: { 'log.retention.hourz': '5' },
      env: { SAMSA_NUM_PARTITIONS: '3' },
    })
    expect(b.output()).toMatch(/config log\.retention\.hourz \(--set\) is not a known key/)
    expect(await b.stop()).toBe(0)
  })
})
