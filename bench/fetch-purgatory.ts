// Fetch purgatory micro-benchmark: what parking a long-poll fetch and waking it on an append
// costs the event loop, by partitions per fetch, next to its floor (a bare promise with a timer
// armed and cleared, which every parked fetch needs anyway). A consumer tailing a topic parks
// once per produce batch, so at 100 partitions this runs thousands of times a second.
//
// Run: npm run build:ts && node dist/bench/fetch-purgatory.js [--seconds 1]
import { FetchPurgatory } from '../src/server/fetch-purgatory.js'
import type { WaitTopic } from '../src/server/fetch-purgatory.js'
import { numArg } from './args.js'
import { awaitedCallsPerSecond } from './timing.js'

const seconds = numArg('seconds', 1)

/** Cycles per second of `cycle`, after 20k that let the JIT settle. */
function rate(cycle: () => Promise<unknown>): Promise<number> {
  return awaitedCallsPerSecond(cycle, seconds, 20_000)
}

function floorCycle(): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 500)
    clearTimeout(timer)
    resolve()
  })
}

async function main(): Promise<void> {
  const floor = await rate(floorCycle)
  console.log(`floor (promise + timer armed and cleared): ${(1e6 / floor).toFixed(2)} us/cycle`)
  const purgatory = new FetchPurgatory()
  for (const partitions of [1, 16, 100]) {
    // The fetch request's own shape, as the handler passes it.
    const topics: WaitTopic[] = [
      {
        topic: `bench-topic-${partitions}`,
        partitions: Array.from({ length: partitions }, (_, partition) => ({ partition })),
      },
    ]
    const last = partitions - 1
    const cycles = await rate(() => {
      const parked = purgatory.wait(topics, 500)
      purgatory.notify(topics[0]?.topic as string, last)
      return parked
    })
    console.log(
      `${String(partitions).padStart(3)} partitions: park + wake ${(1e6 / cycles).toFixed(2)} us/cycle, ` +
        `${(floor / cycles).toFixed(2)}x the floor`,
    )
  }
  purgatory.close()
}

await main()
