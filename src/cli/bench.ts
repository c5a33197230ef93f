// `samsa bench`: runs the benchmark suite (bench/suite/) against Samsa and the baselines and
// writes a Markdown report with charts to bench/results/. Loaded lazily: the suite is large and
// no other command needs it.

export const BENCH_USAGE =
  'samsa bench [--quick] [--rounds N] [--samsa HOST:PORT] [--kafka-home DIR] [--congestion cubic] [--out DIR]'

export const benchCommand = {
  summary: 'run the benchmark suite (Samsa vs Kafka, Redis and machine ceilings)',
  usage: BENCH_USAGE,
  async run(args: string[]): Promise<number> {
    const suite = await import('../../bench/suite/main.js')
    return suite.runSuiteCli(args)
  },
}
