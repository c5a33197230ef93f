// Admin responses carry an error code and a human-readable message per topic or resource. The
// message is the KafkaError detail without its "NAME: " prefix (the code already names it).
import { KafkaError, errorCodeOf } from '../protocol/errors.js'

export interface ResultError {
  errorCode: number
  errorMessage: string | null
}

export function resultError(err: unknown): ResultError {
  if (err instanceof KafkaError) {
    const prefix = `${err.errorName}: `
    const msg = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message
    return { errorCode: err.code, errorMessage: msg }
  }
  return {
    errorCode: errorCodeOf(err),
    errorMessage:
      err instanceof Error ? `unexpected server error: ${err.message}` : 'unexpected server error',
  }
}
