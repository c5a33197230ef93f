// Partition lookup micro-benchmark: LogManager.get() for every partition of a 100-partition
// request, as produce and each fetch pass do, with the topic name decoded anew per request (as
// the protocol reader hands it over); then the same plus a read at the log end, which is what a
// long poll does for every idle partition, twice. Printed next to a floor, 100 lookups in one
// Map with small-integer keys.
//
// Run: npm run build:ts && node dist/bench/log-lookup.js [--seconds 1]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DEFAULT_LOG_CONFIG } from '../src/log/log-config.js'
import { LogManager } from '../src/log/log-manager.js'
import { numArg } from './args.js'
import { callsPerSecond } from './timing.js'

const seconds = numArg('seconds', 1)
const PARTITIONS = 100

/** Microseconds per call of `pass`, after 20k warm-up calls. */
function timed(pass: () => number): number {
  return 1e6 / callsPerSecond(pass, seconds, 20_000)
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-log-lookup-'))
  const logs = await LogManager.open({ logDirs: [dir], defaults: DEFAULT_LOG_CONFIG })
  try {
    for (let p = 0; p < PARTITIONS; p++) logs.create('bench-topic', p)
    const name = Buffer.from('bench-topic')
    const byNumber = new Map<number, number>()
    for (let p = 0; p < PARTITIONS; p++) byNumber.set(p, p)
    const floor = timed(() => {
      let found = 0
      for (let p = 0; p < PARTITIONS; p++) if (byNumber.get(p) !== undefined) found++
      return found
    })
    const get = timed(() => {
      const topic = name.toString('utf8')
      let found = 0
      for (let p = 0; p < PARTITIONS; p++) if (logs.get(topic, p) !== undefined) found++
      return found
    })
    const caughtUp = timed(() => {
      const topic = name.toString('utf8')
      let n = 0
      for (let p = 0; p < PARTITIONS; p++) {
        const log = logs.get(topic, p)
        if (log === undefined) continue
        const read = log.read(log.logEndOffset, 1 << 20, { maxOffset: log.highWatermark })
        n += read.bytes + 1
        read.release()
      }
      return n
    })
    const vsFloor = (us: number): string =>
      `${us.toFixed(2)} us, ${(us / floor).toFixed(2)}x the floor`
    console.log(`floor (${PARTITIONS} integer-key Map lookups): ${floor.toFixed(2)} us`)
    console.log(`LogManager.get for ${PARTITIONS} partitions: ${vsFloor(get)}`)
    console.log(`the same + a read at each log end: ${vsFloor(caughtUp)}`)
  } finally {
    await logs.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

await main()
