// One round of the suite against one Kafka-protocol target: for each partition count, message
// size and acks setting, max-rate produce and a full read with `samsa perf`, the same with kcat,
// then fixed-rate runs at fractions of the measured maximum with a consumer alongside for
// end-to-end latency. Broker CPU and RSS come from /proc when the suite started the broker.
//
// Memory warmth: before every measured produce, the topics of earlier measurements (or, for the
// first one, a warm-up topic of the same size) are deleted, so the new log reuses their pages.

import fs from 'node:fs'
import path from 'node:path'
import { AdminClient } from '../../src/admin/client/client.js'
import { cpuSeconds, hostTimes, rssBytes, stealPercent } from './proc.js'
import {
  kcatConsume,
  kcatProduce,
  ombBatchRecords,
  perfConsume,
  perfProduce,
  writeKcatInput,
} from './drivers.js'
import type { Target } from './targets.js'
import type { Acks, Measurement } from './types.js'
import type { PerfConsumeResult } from '../../src/cli/perf/consume.js'
import type { PerfProduceResult } from '../../src/cli/perf/produce.js'
import type { PerfProduceArgs } from './drivers.js'

export interface RoundPlan {
  round: number
  partitions: number[]
  messageSizes: number[]
  acks: Acks[]
  /** Messages per max-rate run, by message size. */
  messages: (messageSize: number) => number
  latencyRates: number[]
  latencySeconds: number
  warmupSeconds: number
  kcat: boolean
  congestion?: string
  scratchDir: string
  log: (line: string) => void
}

async function deleteTopics(bootstrap: string, topics: string[]): Promise<void> {
  if (topics.length === 0) return
  const admin = await AdminClient.connect(bootstrap)
  try {
    await admin.deleteTopics(topics)
  } finally {
    await admin.close()
  }
}

/**
 * Brings a freshly started broker to its steady state before anything is measured, in `cycles`
 * rounds of what every measurement does: a new topic, 1 KiB messages in 1 MiB batches to one
 * partition, read back in full, the topic deleted. A JIT's first thousands of requests run in
 * its interpreter and compile on its background threads, and the first topic creations and
 * deletions deoptimize code the produce path shares (the schema codec sees new message shapes),
 * which then compiles again (kcat's requests use other API versions, so they get cycles of
 * their own). On a fresh broker, 2 GB max-rate runs gave 0.96-1.06 CPU-s/GB
 * first, 0.66-0.81 second, 0.37-0.57 from the third on; after one 3 GB warm-up the first 0.5 GB
 * measurement still gave 0.61-0.92, after three cycles 0.61-0.63. OMB runs its workloads for a
 * warm-up period first for the same reason.
 */
export async function warmUpTarget(
  target: Target,
  messages: number,
  cycles: number,
  congestion: string | undefined,
  /** kcat's input file, when kcat runs: its requests (other API versions) are warmed up too. */
  kcatInput?: string,
): Promise<void> {
  for (let i = 0; i < cycles; i++) {
    const topic = `bench-jit-warmup-${i}-${Date.now()}`
    const spec = { bootstrap: target.bootstrap, topic, partitions: 1, messageSize: 1024 }
    const topics = [topic]
    try {
      const p = await perfProduce({
        ...spec,
        messages,
        acks: '1',
        batchRecords: ombBatchRecords(1024, null),
        congestion,
      })
      await perfConsume({ ...spec, messages: p.messages, from: 'earliest' }).done
      if (kcatInput !== undefined) {
        const kt = `${topic}-kcat`
        topics.push(kt)
        await perfProduce({ ...spec, topic: kt, messages: 1, acks: '1', congestion })
        await kcatProduce(target.bootstrap, kt, kcatInput, '1')
        await kcatConsume(target.bootstrap, kt)
      }
    } finally {
      await deleteTopics(target.bootstrap, topics)
    }
  }
}

/** The fixed rate (percent of max) that is also measured against a sink. */
const SINK_FLOOR_PCT = 50

export async function runTargetRound(target: Target, plan: RoundPlan): Promise<Measurement[]> {
  const out: Measurement[] = []
  /** Topics written since the last recycle, with their payload bytes. */
  const used: { topic: string; bytes: number }[] = []
  let seq = 0
  const fresh = (label: string): string => `bench-r${plan.round}-${label}-${seq++}`
  const deleteUsed = (): Promise<void> =>
    deleteTopics(
      target.bootstrap,
      used.splice(0).map((u) => u.topic),
    )
  /**
   * Deletes what earlier measurements wrote, so the next log is appended into their recycled,
   * page-cached files. When they hold fewer bytes than the next measurement writes, a warm-up
   * topic makes up the difference first: every measured byte lands in warm pages.
   */
  const recycle = async (
    partitions: number,
    messageSize: number,
    messages: number,
    acks: Acks,
  ): Promise<void> => {
    const have = used.reduce((n, u) => n + u.bytes, 0)
    const missing = Math.ceil((messages * messageSize - have) / messageSize)
    if (missing > 0) {
      const warm = fresh('warmup')
      await perfProduce({
        bootstrap: target.bootstrap,
        topic: warm,
        partitions,
        messages: missing,
        messageSize,
        acks,
        batchRecords: ombBatchRecords(messageSize, null),
        congestion: plan.congestion,
      })
      used.push({ topic: warm, bytes: missing * messageSize })
    }
    await deleteUsed()
  }
  const cpu = (): number | null => cpuSeconds(target.pid)
  const perGb = (c0: number | null, c1: number | null, bytes: number): number | null =>
    c0 === null || c1 === null || bytes <= 0 ? null : (c1 - c0) / (bytes / 1e9)

  for (const partitions of plan.partitions)
    for (const messageSize of plan.messageSizes)
      for (const acks of plan.acks) {
        const messages = plan.messages(messageSize)
        const common = { target: target.name, partitions, messageSize, acks, round: plan.round }
        /** One measurement of this combination; what `m` leaves out is null (rss: the broker's). */
        const record = (
          m: Pick<Measurement, 'workload' | 'driver' | 'messages' | 'msgsPerSec' | 'mbPerSec'> &
            Partial<Measurement>,
        ): void => {
          out.push({
            ...common,
            ratePct: null,
            produceLatencyUs: null,
            endToEndUs: null,
            cpuSecPerGb: null,
            rssBytes: rssBytes(target.pid),
            congestion: null,
            ...m,
          })
        }
        plan.log(
          `${target.name}: ${partitions} partitions, ${messageSize} B, acks=${acks}, round ${plan.round}`,
        )

        await recycle(partitions, messageSize, messages, acks)
        const topic = fresh(`p${partitions}-s${messageSize}-a${acks}`)
        let c0 = cpu()
        const p = await perfProduce({
          bootstrap: target.bootstrap,
          topic,
          partitions,
          messages,
          messageSize,
          acks,
          batchRecords: ombBatchRecords(messageSize, null),
          congestion: plan.congestion,
        })
        let c1 = cpu()
        record({
          workload: 'produce-max',
          driver: 'samsa-perf',
          messages: p.messages,
          msgsPerSec: p.msgsPerSec,
          mbPerSec: p.mbPerSec,
          produceLatencyUs: p.latencyUs,
          cpuSecPerGb: perGb(c0, c1, p.bytes),
          congestion: p.congestion,
        })
        c0 = cpu()
        const c = await perfConsume({
          bootstrap: target.bootstrap,
          topic,
          messages: p.messages,
          from: 'earliest',
        }).done
        c1 = cpu()
        record({
          workload: 'consume',
          driver: 'samsa-perf',
          messages: c.messages,
          msgsPerSec: c.msgsPerSec,
          mbPerSec: c.mbPerSec,
          cpuSecPerGb: perGb(c0, c1, c.bytes),
        })
        used.push({ topic, bytes: p.messages * messageSize })

        if (plan.kcat) {
          const input = path.join(plan.scratchDir, `kcat-${messageSize}-${messages}.txt`)
          if (!fs.existsSync(input)) writeKcatInput(input, messages, messageSize)
          await recycle(partitions, messageSize, messages, acks)
          const kt = fresh(`kcat-p${partitions}`)
          // Exact partition count: kcat alone would auto-create the topic with the default.
          await perfProduce({
            bootstrap: target.bootstrap,
            topic: kt,
            partitions,
            messages: 1,
            messageSize,
            acks,
            congestion: plan.congestion,
          })
          c0 = cpu()
          const kp = await kcatProduce(target.bootstrap, kt, input, acks)
          c1 = cpu()
          record({
            workload: 'produce-max',
            driver: 'kcat',
            messages,
            msgsPerSec: messages / kp.seconds,
            mbPerSec: kp.bytes / 1e6 / kp.seconds,
            cpuSecPerGb: perGb(c0, c1, kp.bytes),
          })
          c0 = cpu()
          const kc = await kcatConsume(target.bootstrap, kt)
          c1 = cpu()
          record({
            workload: 'consume',
            driver: 'kcat',
            messages: Math.round(kc.bytes / messageSize),
            msgsPerSec: kc.bytes / messageSize / kc.seconds,
            mbPerSec: kc.bytes / 1e6 / kc.seconds,
            cpuSecPerGb: perGb(c0, c1, kc.bytes),
          })
          used.push({ topic: kt, bytes: messages * messageSize })
        }

        /**
         * A fresh topic, a consumer reading from its end, then `messages` produced with `opts`;
         * broker CPU per GB covers what was produced and consumed.
         */
        const withConsumer = async (
          label: string,
          messages: number,
          opts: Pick<PerfProduceArgs, 'rate' | 'inflight' | 'batchRecords' | 'warmupSeconds'>,
        ): Promise<{
          p: PerfProduceResult
          c: PerfConsumeResult
          cpuSecPerGb: number | null
          hostStealPct: number | null
        }> => {
          await recycle(partitions, messageSize, messages, acks)
          const t = fresh(label)
          const spec = { bootstrap: target.bootstrap, topic: t, partitions, messageSize, acks }
          // One message creates the topic with its partition count before the consumer looks.
          await perfProduce({ ...spec, messages: 1, congestion: plan.congestion })
          const consumer = perfConsume({
            ...spec,
            messages,
            from: 'latest',
            warmupSeconds: opts.warmupSeconds,
          })
          await consumer.ready
          const before = cpu()
          const host0 = hostTimes()
          const produced = await perfProduce({
            ...spec,
            messages,
            ...opts,
            congestion: plan.congestion,
          })
          const host1 = hostTimes()
          const consumed = await consumer.done
          used.push({ topic: t, bytes: produced.messages * messageSize })
          return {
            p: produced,
            c: consumed,
            cpuSecPerGb: perGb(before, cpu(), produced.bytes + consumed.bytes),
            hostStealPct: stealPercent(host0, host1),
          }
        }

        // OMB's max-rate workloads run their consumers too: the fixed rates below are fractions
        // of what the broker sustains while it also serves the consumer, for as long as a
        // fixed-rate run lasts (a short burst lands in recycled, warm pages; a long run also
        // writes where the memory is cold, and the rate found must hold there).
        const sustained = Math.max(messages, Math.round(p.msgsPerSec * plan.latencySeconds))
        const max = await withConsumer(`pcmax-p${partitions}`, sustained, {
          batchRecords: ombBatchRecords(messageSize, null),
        })
        // The rate both ends sustained: a producer the consumer cannot follow only builds a
        // backlog (OMB's max-rate mode holds the consumer backlog steady, too).
        const endToEnd = max.c.msgsPerSec < max.p.msgsPerSec ? max.c : max.p
        record({
          workload: 'produce-consume-max',
          driver: 'samsa-perf',
          messages: max.p.messages,
          msgsPerSec: endToEnd.msgsPerSec,
          mbPerSec: endToEnd.mbPerSec,
          produceLatencyUs: max.p.latencyUs,
          endToEndUs: max.c.endToEndUs,
          cpuSecPerGb: max.cpuSecPerGb,
          congestion: max.p.congestion,
          hostStealPct: max.hostStealPct,
        })

        for (const pct of plan.latencyRates) {
          const rate = Math.max(1, Math.round((endToEnd.msgsPerSec * pct) / 100))
          const n = Math.max(1000, Math.round(rate * (plan.latencySeconds + plan.warmupSeconds)))
          const fixed = {
            rate,
            inflight: 64,
            batchRecords: ombBatchRecords(messageSize, rate),
            warmupSeconds: plan.warmupSeconds,
          }
          const run = await withConsumer(`lat${pct}-p${partitions}`, n, fixed)
          record({
            workload: 'produce-rate',
            driver: 'samsa-perf',
            ratePct: pct,
            messages: run.p.messages,
            msgsPerSec: run.p.msgsPerSec,
            mbPerSec: run.p.mbPerSec,
            produceLatencyUs: run.p.latencyUs,
            endToEndUs: run.c.endToEndUs,
            cpuSecPerGb: run.cpuSecPerGb,
            congestion: run.p.congestion,
            hostStealPct: run.hostStealPct,
          })
          if (pct !== SINK_FLOOR_PCT) continue
          // The same requests at the same rate to a sink: the latency the generator and this
          // machine add by themselves, next to which the broker's figure can be read.
          const host0 = hostTimes()
          const floor = await perfProduce({
            bootstrap: '',
            topic: 'sink',
            partitions,
            messages: n,
            messageSize,
            acks,
            ...fixed,
            sink: true,
            congestion: plan.congestion,
          })
          record({
            target: 'samsa perf vs sink',
            workload: 'produce-rate',
            driver: 'samsa-perf',
            ratePct: pct,
            messages: floor.messages,
            msgsPerSec: floor.msgsPerSec,
            mbPerSec: floor.mbPerSec,
            produceLatencyUs: floor.latencyUs,
            rssBytes: null,
            congestion: floor.congestion,
            hostStealPct: stealPercent(host0, hostTimes()),
          })
        }
      }
  await deleteUsed().catch(() => {})
  return out
}
