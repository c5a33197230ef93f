// Shared pieces of the admin commands (topics, groups, produce, consume): the connection flags
// every command takes, a progress bar for terminals, and table printing.

import { AdminClient } from '../../admin/client/client.js'
import type { FlagSpec, ParsedArgs } from '../args.js'

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092'

export const CONNECTION_FLAGS: Record<string, FlagSpec> = {
  'bootstrap-server': { value: true, alias: ['-b'] },
  'timeout-ms': { value: true },
  help: { alias: ['-h'] },
}

export const CONNECTION_HELP =
  '  --bootstrap-server, -b HOST:PORT[,...]  broker to talk to (default 127.0.0.1:9092,\n' +
  '                                          env SAMSA_BOOTSTRAP_SERVER)\n' +
  '  --timeout-ms MS                         connect/request timeout (default 15000)\n'

export interface Output {
  out(text: string): void
  err(text: string): void
  /** Progress bars only on a terminal. */
  readonly errIsTTY: boolean
}

export const stdio: Output = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  get errIsTTY() {
    return process.stderr.isTTY === true
  },
}

export function connectFrom(a: ParsedArgs): Promise<AdminClient> {
  const servers =
    a.get('bootstrap-server') ?? process.env.SAMSA_BOOTSTRAP_SERVER ?? DEFAULT_BOOTSTRAP
  return AdminClient.connect(servers, { timeoutMs: a.int('timeout-ms') ?? 15_000 })
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)))
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  )
}

/** A one-line progress bar redrawn at most every 100 ms; silent when not on a TTY. */
export class Progress {
  private last = 0
  private shown = false

  constructor(
    private readonly io: Output,
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(done: number, extra = ''): void {
    if (!this.io.errIsTTY || this.total <= 0) return
    const now = Date.now()
    if (now - this.last < 100 && done < this.total) return
    this.last = now
    const frac = Math.min(1, done / this.total)
    const width = 30
    const filled = Math.round(frac * width)
    this.io.err(
      `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` +
        `${(frac * 100).toFixed(0).padStart(3)}% ${extra}\x1b[K`,
    )
    this.shown = true
  }

  done(): void {
    if (this.shown) this.io.err('\n')
  }
}
