// Command-line flags of the bench scripts: `--name value`; a flag that is absent or has no value
// after it takes the fallback.

function rawArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

export function strArg(name: string, fallback: string): string {
  return rawArg(name) ?? fallback
}

export function numArg(name: string, fallback: number): number {
  const v = rawArg(name)
  return v === undefined ? fallback : Number(v)
}
