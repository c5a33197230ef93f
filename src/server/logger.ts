// Log lines for the broker: one line per event, `time level message key=value ...`, to stderr
// (stdout carries only the start-up banner). The signature matches LogManagerOptions.log so the
// same function is handed to every module.

export type LogLevel = 'info' | 'warn' | 'error'
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v
  if (v instanceof Error) return JSON.stringify(v.message)
  return String(v)
}

export function formatLine(level: LogLevel, msg: string, fields?: Record<string, unknown>): string {
  let line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}`
  if (fields !== undefined) {
    for (const [k, v] of Object.entries(fields))
      if (v !== undefined) line += ` ${k}=${formatValue(v)}`
  }
  return line
}

export const consoleLog: LogFn = (level, msg, fields) => {
  process.stderr.write(formatLine(level, msg, fields) + '\n')
}

export const silentLog: LogFn = () => undefined
