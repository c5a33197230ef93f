// Log lines for the broker, to stderr (stdout carries only the start-up banner). On a terminal a
// compact readable line, `time level message key=value ...`; otherwise (systemd journal, a pipe,
// a file) one JSON object per line written by pino, so log shippers get fields, not text. The
// signature matches LogManagerOptions.log so the same function is handed to every module.
// SAMSA_LOG_FORMAT=json|text overrides the choice.

import { pino } from 'pino'

import type { LogFn, LogLevel } from '../log-fn.js'

export type { LogFn, LogLevel }
export type LogFormat = 'json' | 'text'

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v
  if (v instanceof Error) return JSON.stringify(v.message)
  if (v !== null && typeof v === 'object') {
    try {
      return JSON.stringify(v)
    } catch {
      return String(v)
    }
  }
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

/** Something with write(string); pino accepts the same shape as its destination. */
export interface LogSink {
  write(line: string): unknown
  readonly isTTY?: boolean
}

export interface LoggerOptions {
  /** Default: stderr. */
  sink?: LogSink
  /** Default: SAMSA_LOG_FORMAT, else text on a TTY and json otherwise. */
  format?: LogFormat
  env?: Readonly<Record<string, string | undefined>>
}

export function chooseFormat(
  isTTY: boolean | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LogFormat {
  const forced = env.SAMSA_LOG_FORMAT
  if (forced === 'json' || forced === 'text') return forced
  return isTTY === true ? 'text' : 'json'
}

export function createLogger(options: LoggerOptions = {}): LogFn {
  const format =
    options.format ??
    chooseFormat(
      options.sink === undefined ? process.stderr.isTTY : options.sink.isTTY,
      options.env,
    )
  if (format === 'text') {
    const sink = options.sink ?? process.stderr
    return (level, msg, fields) => {
      sink.write(formatLine(level, msg, fields) + '\n')
    }
  }
  // Synchronous writes: a log line written just before process.exit must not be lost.
  const dest = options.sink ?? pino.destination({ dest: 2, sync: true })
  const logger = pino(
    {
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Callers pass errors under `error` (and sometimes `err`); keep message and code.
      serializers: { error: pino.stdSerializers.err, err: pino.stdSerializers.err },
    },
    dest,
  )
  return (level, msg, fields) => {
    if (fields === undefined) logger[level](msg)
    else logger[level](fields, msg)
  }
}

let defaultLogger: LogFn | null = null

/** The process-wide logger, created on first use (so tests can set SAMSA_LOG_FORMAT first). */
export const consoleLog: LogFn = (level, msg, fields) => {
  defaultLogger ??= createLogger()
  defaultLogger(level, msg, fields)
}

export const silentLog: LogFn = () => undefined
