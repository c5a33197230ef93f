// A small flag parser for the `samsa` subcommands: `--flag value`, `--flag=value`, booleans,
// repeatable flags, and Kafka-tool style action flags (`--list`, `--describe`). Unknown flags
// are errors that name the flag and show the usage.

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export interface FlagSpec {
  /** Takes a value (otherwise a boolean). */
  value?: boolean
  /** May be given more than once; values collect in order. */
  repeat?: boolean
  /** Short aliases, e.g. ['-c']. */
  alias?: string[]
}

export interface ParsedArgs {
  flags: Map<string, string[]>
  positional: string[]
  has(name: string): boolean
  /** The last value of a flag. */
  get(name: string): string | undefined
  all(name: string): string[]
  /** An integer flag; throws UsageError naming it when malformed. */
  int(name: string): number | undefined
}

export function parseArgs(args: readonly string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const flags = new Map<string, string[]>()
  const positional: string[] = []
  const byAlias = new Map<string, string>()
  for (const [name, s] of Object.entries(spec)) for (const a of s.alias ?? []) byAlias.set(a, name)
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (!a.startsWith('-') || a === '-') {
      positional.push(a)
      continue
    }
    const eq = a.indexOf('=')
    const raw = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a
    const name = byAlias.get(raw) ?? (raw.startsWith('--') ? raw.slice(2) : raw)
    const s = spec[name]
    if (s === undefined) throw new UsageError(`unknown option '${raw}'`)
    let v = 'true'
    if (s.value === true) {
      if (raw !== a) v = a.slice(eq + 1)
      else {
        const next = args[++i]
        if (next === undefined) throw new UsageError(`option --${name} needs a value`)
        v = next
      }
    } else if (raw !== a) throw new UsageError(`option --${name} takes no value`)
    const list = flags.get(name) ?? []
    if (list.length > 0 && s.repeat !== true && s.value === true)
      throw new UsageError(`option --${name} given twice`)
    list.push(v)
    flags.set(name, list)
  }
  return {
    flags,
    positional,
    has: (name) => flags.has(name),
    get: (name) => flags.get(name)?.at(-1),
    all: (name) => flags.get(name) ?? [],
    int(name) {
      const v = flags.get(name)?.at(-1)
      if (v === undefined) return undefined
      if (!/^-?\d+$/.test(v)) throw new UsageError(`option --${name}: '${v}' is not an integer`)
      return Number(v)
    },
  }
}

/** `k=v` of a --config / --set flag. */
export function splitKeyValue(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=')
  if (eq <= 0) throw new UsageError(`${flag} expects key=value, got '${text}'`)
  return [text.slice(0, eq).trim(), text.slice(eq + 1)]
}
