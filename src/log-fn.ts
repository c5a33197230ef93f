// The logging callback every module takes. One type for all of them: server/logger.ts makes the
// real one (pino JSON or terminal lines) and the broker hands the same function to each module.
export type LogLevel = 'info' | 'warn' | 'error'
export type LogFn = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void
