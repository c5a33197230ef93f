// Machine ceilings measured in the same run as the targets: bare native sendfile to a loopback
// sink, bare fs.writev append loop, Node loopback TCP, and the load generator against a sink.

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  measureAppendCeiling,
  measureSendfileCeiling,
  socketFd,
  startSink,
  writeScratchFile,
} from '../native-ceilings.js'
import { setTcpCongestion } from '../../src/native/index.js'
import { ombBatchRecords, perfProduce } from './drivers.js'
import type { Measurement } from './types.js'

const MiB = 1 << 20

function base(
  workload: string,
  round: number,
): Omit<Measurement, 'msgsPerSec' | 'mbPerSec' | 'cpuSecPerGb' | 'messages'> {
  return {
    target: 'machine ceiling',
    workload,
    driver: 'native',
    partitions: 1,
    messageSize: 1024,
    acks: null,
    ratePct: null,
    round,
    produceLatencyUs: null,
    endToEndUs: null,
    rssBytes: null,
    congestion: null,
  }
}

/** A bytes-only ceiling as a row: rates are expressed per 1 KiB message to sit beside targets. */
function ceiling(
  workload: string,
  round: number,
  r: { gbPerSec: number; cpuSecPerGb: number },
  congestion: string | null,
): Measurement {
  return {
    ...base(workload, round),
    messages: 0,
    msgsPerSec: (r.gbPerSec * 1e9) / 1024,
    mbPerSec: r.gbPerSec * 1000,
    cpuSecPerGb: r.cpuSecPerGb,
    congestion,
  }
}

async function loopbackTcp(
  bytes: number,
  congestion?: string,
): Promise<{ gbPerSec: number; cpuSecPerGb: number }> {
  const { socket, received } = await startSink()
  if (congestion !== undefined) setTcpCongestion(socketFd(socket), congestion)
  const block = Buffer.alloc(MiB, 7)
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  let sent = 0
  while (sent < bytes) {
    sent += block.length
    if (!socket.write(block)) await new Promise((r) => socket.once('drain', r))
  }
  await new Promise<void>((resolve) => socket.end(resolve))
  const total = await received
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  socket.destroy()
  if (total !== sent) throw new Error(`loopback sink got ${total} of ${sent} bytes`)
  return {
    gbPerSec: sent / 1e9 / seconds,
    cpuSecPerGb: (cpu.user + cpu.system) / 1e6 / (sent / 1e9),
  }
}

export async function measureCeilings(
  round: number,
  bytes: number,
  perfMessages: number,
  congestion?: string,
): Promise<Measurement[]> {
  const out: Measurement[] = []
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-bench-ceiling-'))
  try {
    const fileSize = Math.min(bytes, 256 * MiB)
    const file = writeScratchFile(dir, fileSize)
    const sf = await measureSendfileCeiling(file, bytes, fileSize, MiB, congestion)
    fs.rmSync(file, { force: true })
    out.push(ceiling('ceiling-sendfile', round, sf, congestion ?? null))
    out.push(ceiling('ceiling-append', round, measureAppendCeiling(dir, bytes), null))
    const tcp = await loopbackTcp(bytes, congestion)
    out.push(ceiling('ceiling-loopback-tcp', round, tcp, congestion ?? null))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  const sink = await perfProduce({
    bootstrap: '',
    topic: 'sink',
    partitions: 1,
    messages: perfMessages,
    messageSize: 1024,
    acks: '1',
    // The same requests as the max-rate produce runs send to a broker.
    batchRecords: ombBatchRecords(1024, null),
    sink: true,
    congestion,
  })
  out.push({
    ...base('ceiling-perf-sink', round),
    target: 'samsa perf vs sink',
    driver: 'samsa-perf',
    acks: '1',
    messages: sink.messages,
    msgsPerSec: sink.msgsPerSec,
    mbPerSec: sink.mbPerSec,
    cpuSecPerGb: null,
    produceLatencyUs: sink.latencyUs,
    congestion: sink.congestion,
  })
  return out
}
