// acks=all produce requests parked until the high watermark covers their batch (Kafka's
// DelayedProduce). A waiter completes with NONE when HW >= its required offset and the ISR still
// has min.insync.replicas members, NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR is or drops
// below that minimum, NOT_LEADER_OR_FOLLOWER when this broker stops leading the partition,
// REQUEST_TIMED_OUT after the request's timeout_ms. Waiters are per partition, sorted by offset
// in arrival order (appends are ordered), so a HW move completes a prefix.
import type { ErrorName } from '../../protocol/errors.js'

export type ProduceOutcome = 'NONE' | ErrorName

interface Waiter {
  readonly requiredOffset: number
  readonly minIsr: number
  readonly resolve: (outcome: ProduceOutcome) => void
  timer: NodeJS.Timeout | undefined
  done: boolean
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

export class ProducePurgatory {
  private readonly byPartition = new Map<string, Waiter[]>()
  private closed = false

  /** Parked acks=all produces (for stats and tests). */
  get size(): number {
    let n = 0
    for (const list of this.byPartition.values()) n += list.length
    return n
  }

  /** Waits until HW >= requiredOffset (the batch's last offset + 1). Never rejects. */
  wait(
    topic: string,
    partition: number,
    requiredOffset: number,
    minIsr: number,
    timeoutMs: number,
  ): Promise<ProduceOutcome> {
    if (this.closed) return Promise.resolve('NOT_LEADER_OR_FOLLOWER')
    const k = key(topic, partition)
    return new Promise<ProduceOutcome>((resolve) => {
      const waiter: Waiter = {
        requiredOffset,
        minIsr,
        timer: undefined,
        done: false,
        resolve: (outcome) => {
          if (waiter.done) return
          waiter.done = true
          if (waiter.timer !== undefined) clearTimeout(waiter.timer)
          resolve(outcome)
        },
      }
      let list = this.byPartition.get(k)
      if (list === undefined) {
        list = []
        this.byPartition.set(k, list)
      }
      list.push(waiter)
      waiter.timer = setTimeout(
        () => {
          waiter.resolve('REQUEST_TIMED_OUT')
          this.prune(k)
        },
        Math.max(0, timeoutMs),
      )
    })
  }

  /** The leader's HW moved (or its ISR changed): completes what is now decided. */
  update(topic: string, partition: number, highWatermark: number, isrSize: number): void {
    const k = key(topic, partition)
    const list = this.byPartition.get(k)
    if (list === undefined) return
    for (const w of list) {
      if (w.requiredOffset <= highWatermark)
        w.resolve(isrSize >= w.minIsr ? 'NONE' : 'NOT_ENOUGH_REPLICAS_AFTER_APPEND')
      else if (isrSize < w.minIsr) w.resolve('NOT_ENOUGH_REPLICAS_AFTER_APPEND')
    }
    this.prune(k)
  }

  /** Leadership moved away (or the partition went): every waiter fails. */
  fail(topic: string, partition: number, outcome: ProduceOutcome = 'NOT_LEADER_OR_FOLLOWER'): void {
    const k = key(topic, partition)
    const list = this.byPartition.get(k)
    if (list === undefined) return
    this.byPartition.delete(k)
    for (const w of list) w.resolve(outcome)
  }

  close(): void {
    this.closed = true
    for (const list of this.byPartition.values())
      for (const w of list) w.resolve('NOT_LEADER_OR_FOLLOWER')
    this.byPartition.clear()
  }

  private prune(k: string): void {
    const list = this.byPartition.get(k)
    if (list === undefined) return
    const left = list.filter((w) => !w.done)
    if (left.length === 0) this.byPartition.delete(k)
    else this.byPartition.set(k, left)
  }
}
