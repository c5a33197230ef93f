// Shared pieces of the admin commands (topics, groups, produce, consume): the connection flags
// every command takes, the parse/help/connect/close run of a command, action and flag checks, a
// progress bar for terminals, and table printing.

import { AdminClient } from '../../admin/client/client.js'
import { parseArgs, UsageError } from '../args.js'
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

export interface CommandSpec<T> {
  flags: Record<string, FlagSpec>
  help: string
  /** Checks the arguments before connecting, so that a usage error needs no broker. */
  check: (a: ParsedArgs) => T
  run: (c: AdminClient, a: ParsedArgs, checked: T) => Promise<number>
}

/** Parses `args`, prints the help for --help, else connects, runs and always closes. */
export async function runCommand<T>(
  args: readonly string[],
  io: Output,
  spec: CommandSpec<T>,
): Promise<number> {
  const a = parseArgs(args, spec.flags)
  if (a.has('help')) {
    io.out(spec.help)
    return 0
  }
  const checked = spec.check(a)
  const c = await connectFrom(a)
  try {
    return await spec.run(c, a, checked)
  } finally {
    await c.close()
  }
}

/** The one action named, as a flag (`--list`, as kafka-*.sh take it) or as the first word. */
export function pickAction<A extends string>(
  a: ParsedArgs,
  actions: readonly A[],
  choices: string,
): A {
  const found = actions.filter((x) => a.has(x) || a.positional[0] === x)
  if (found.length !== 1)
    throw new UsageError(
      found.length === 0
        ? `say what to do: ${choices}`
        : `only one action at a time (got ${found.join(', ')})`,
    )
  return found[0] as A
}

/** Refuses positional arguments other than `allowed`. */
export function noExtraArgs(a: ParsedArgs, allowed: readonly string[] = []): void {
  const extra = a.positional.filter((p) => !allowed.includes(p))
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`)
}

/** The value of a required flag; empty counts as missing. */
export function requireFlag(a: ParsedArgs, name: string): string {
  const v = a.get(name)
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`)
  return v
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
