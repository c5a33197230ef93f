// A malformed or inconsistent broker property: start-up (or a reload) stops with the key named.

export class ConfigError extends Error {
  readonly key: string
  constructor(key: string, message: string) {
    super(`config ${key}: ${message}`)
    this.name = 'ConfigError'
    this.key = key
  }
}
