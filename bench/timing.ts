// The timing loop of the micro-benchmarks: `warmup` calls first (the JIT compiles and settles),
// then calls in blocks of 256 until `seconds` have passed, one clock read per block.

export function callsPerSecond(fn: () => unknown, seconds: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) fn()
  let calls = 0
  const start = process.hrtime.bigint()
  const end = start + BigInt(Math.round(seconds * 1e9))
  let now = start
  while (now < end) {
    for (let i = 0; i < 256; i++) fn()
    calls += 256
    now = process.hrtime.bigint()
  }
  return calls / (Number(now - start) / 1e9)
}

/** The same for a call that returns a promise: each is awaited before the next. */
export async function awaitedCallsPerSecond(
  fn: () => Promise<unknown>,
  seconds: number,
  warmup: number,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn()
  let calls = 0
  const start = process.hrtime.bigint()
  const end = start + BigInt(Math.round(seconds * 1e9))
  let now = start
  while (now < end) {
    for (let i = 0; i < 256; i++) await fn()
    calls += 256
    now = process.hrtime.bigint()
  }
  return calls / (Number(now - start) / 1e9)
}
