// The broker's connection to etcd: keys under one prefix, a session (a lease kept alive while the
// broker runs) that the broker registration and the controller key hang on, compare-and-swap
// writes on mod revisions, and prefix watches that resynchronise from a full read whenever the
// watch stream reconnects (events missed while disconnected, or compacted away, are not lost).
//
// Session loss: etcd expires the lease TTL after the last renewal, so a broker that has not
// renewed for that long must assume its keys are gone and stop acting as a leader. A local
// watchdog fires `sessionLost` at that point (before the library notices), then the store grants
// a new lease and re-creates the session keys; `sessionStarted` fires when that succeeded.

import { Etcd3 } from 'etcd3'
import type { IKeyValue, Lease, Watcher } from 'etcd3'
import type { LogFn } from '../log-fn.js'

export interface StoredKv {
  /** Key without the store prefix. */
  key: string
  value: string
  /** etcd mod revision: the CAS version. */
  version: number
  /** etcd create revision: tells a key apart from an earlier one of the same name. */
  created: number
}

export interface WatchHandlers {
  /** The full state under the prefix (initial load and every resync). */
  snapshot(kvs: StoredKv[], revision: number): void
  put(kv: StoredKv): void
  delete(key: string, revision: number): void
}

export interface EtcdStoreOptions {
  /** Key prefix, e.g. `/samsa/<cluster.id>/`. */
  prefix: string
  log?: LogFn
  dialTimeoutMs?: number
}

/** `etcd://h:p,h:p` (or http://) → the client's host URLs. */
export function parseStoreUrl(url: string): string[] {
  const m = /^(etcd|http):\/\/(.+)$/.exec(url.trim())
  if (m === null) throw new Error(`metadata.store '${url}' is not etcd://host:port[,host:port]`)
  const hosts = (m[2] ?? '')
    .split(',')
    .map((h) => h.trim().replace(/^(etcd|http):\/\//, ''))
    .filter((h) => h !== '')
  if (hosts.length === 0 || hosts.some((h) => !/^[^:/\s]+:\d+$/.test(h) && !/^\[.+\]:\d+$/.test(h)))
    throw new Error(`metadata.store '${url}' is not etcd://host:port[,host:port]`)
  return hosts.map((h) => `http://${h}`)
}

function rev(s: string | number | undefined): number {
  return s === undefined ? 0 : Number(s)
}

interface SessionKey {
  key: string
  value: string
  createOnly: boolean
}

export class EtcdStore {
  readonly client: Etcd3
  readonly prefix: string
  private readonly log: LogFn
  private lease: Lease | null = null
  private ttlMs = 0
  private lastRenewal = 0
  private watchdog: NodeJS.Timeout | null = null
  private alive = false
  private closed = false
  private regranting: Promise<void> | null = null
  private readonly sessionKeys = new Map<string, SessionKey>()
  private readonly lostListeners: Array<() => void> = []
  private readonly startedListeners: Array<() => void> = []
  private readonly watchers = new Set<Watcher>()

  constructor(url: string, options: EtcdStoreOptions) {
    this.client = new Etcd3({
      hosts: parseStoreUrl(url),
      dialTimeout: options.dialTimeoutMs ?? 3000,
    })
    this.prefix = options.prefix
    this.log = options.log ?? (() => undefined)
  }

  k(key: string): string {
    return this.prefix + key
  }

  private strip(key: Buffer): string {
    return key.toString('utf8').slice(this.prefix.length)
  }

  private toKv(kv: IKeyValue): StoredKv {
    return {
      key: this.strip(kv.key),
      value: kv.value.toString('utf8'),
      version: rev(kv.mod_revision),
      created: rev(kv.create_revision),
    }
  }

  async get(key: string): Promise<StoredKv | undefined> {
    const res = await this.client.get(this.k(key)).exec()
    const kv = res.kvs[0]
    return kv === undefined ? undefined : this.toKv(kv)
  }

  async getPrefix(prefix: string): Promise<{ kvs: StoredKv[]; revision: number }> {
    const res = await this.client.getAll().prefix(this.k(prefix)).exec()
    return { kvs: res.kvs.map((kv) => this.toKv(kv)), revision: rev(res.header.revision) }
  }

  /** Unconditional put; resolves with the new mod revision. */
  async put(key: string, value: string): Promise<number> {
    const res = await this.client.put(this.k(key)).value(value).exec()
    return rev(res.header.revision)
  }

  /** Creates the key only if absent; the new revision, or null when it existed. */
  async createIfAbsent(key: string, value: string): Promise<number | null> {
    const res = await this.client
      .if(this.k(key), 'Create', '==', 0)
      .then(this.client.put(this.k(key)).value(value))
      .commit()
    return res.succeeded ? rev(res.header.revision) : null
  }

  /** Writes the key only if its mod revision is still `expected`; null on conflict. */
  async cas(key: string, value: string, expected: number): Promise<number | null> {
    const res = await this.client
      .if(this.k(key), 'Mod', '==', expected)
      .then(this.client.put(this.k(key)).value(value))
      .commit()
    return res.succeeded ? rev(res.header.revision) : null
  }

  async delete(key: string): Promise<void> {
    await this.client.delete().key(this.k(key)).exec()
  }

  /** Deletes the key only if its value is still `value` (releasing something we own). */
  async deleteIfValue(key: string, value: string): Promise<boolean> {
    const res = await this.client
      .if(this.k(key), 'Value', '==', value)
      .then(this.client.delete().key(this.k(key)))
      .commit()
    return res.succeeded
  }

  // ---- session ----

  get sessionAlive(): boolean {
    return this.alive
  }

  onSessionLost(fn: () => void): void {
    this.lostListeners.push(fn)
  }

  onSessionStarted(fn: () => void): void {
    this.startedListeners.push(fn)
  }

  /** Grants the session lease (TTL rounded up to whole seconds, at least 1). */
  async startSession(ttlMs: number): Promise<void> {
    this.ttlMs = Math.max(1000, Math.ceil(ttlMs / 1000) * 1000)
    await this.grant()
    this.watchdog = setInterval(() => this.checkRenewal(), Math.max(100, this.ttlMs / 8))
    this.watchdog.unref()
  }

  private async grant(): Promise<void> {
    const lease = this.client.lease(this.ttlMs / 1000, { autoKeepAlive: true })
    await lease.grant()
    this.lease = lease
    this.lastRenewal = Date.now()
    lease.on('keepaliveSucceeded', () => {
      if (this.lease === lease) this.lastRenewal = Date.now()
    })
    lease.on('lost', (err) => {
      if (this.lease !== lease || this.closed) return
      this.log('warn', 'etcd session lease lost', { error: err.message })
      this.sessionLost()
    })
    for (const s of this.sessionKeys.values()) await this.writeSessionKey(lease, s)
    this.alive = true
    for (const fn of this.startedListeners) fn()
  }

  private checkRenewal(): void {
    if (!this.alive || this.closed) return
    // The server drops the lease TTL after the last renewal it saw; stop leading before that.
    if (Date.now() - this.lastRenewal > this.ttlMs) {
      this.log('warn', 'etcd session not renewed within its TTL; assuming it expired', {
        ttlMs: this.ttlMs,
      })
      this.sessionLost()
    }
  }

  private sessionLost(): void {
    if (!this.alive) return
    this.alive = false
    const old = this.lease
    this.lease = null
    old?.release()
    for (const fn of this.lostListeners) fn()
    this.regrant()
  }

  private regrant(): void {
    if (this.regranting !== null || this.closed) return
    this.regranting = (async () => {
      let delay = 100
      while (!this.closed && !this.alive) {
        try {
          await this.grant()
          this.log('info', 'etcd session re-established')
        } catch (err) {
          this.log('warn', 'etcd session re-grant failed; retrying', {
            error: (err as Error).message,
          })
          this.lease?.release()
          this.lease = null
          await new Promise((r) => setTimeout(r, delay))
          delay = Math.min(delay * 2, 2000)
        }
      }
    })().finally(() => {
      this.regranting = null
    })
  }

  private async writeSessionKey(lease: Lease, s: SessionKey): Promise<void> {
    const key = this.k(s.key)
    if (!s.createOnly) {
      await lease.put(key).value(s.value).exec()
      return
    }
    const res = await this.client
      .if(key, 'Create', '==', 0)
      .then(lease.put(key).value(s.value))
      .commit()
    if (!res.succeeded) {
      const current = await this.client.get(key).string()
      throw new SessionKeyTaken(s.key, current ?? '')
    }
  }

  /**
   * Puts a key under the session lease and keeps re-creating it with every new lease. With
   * createOnly the key must be absent (else SessionKeyTaken): a node id held by a live broker.
   */
  async putSessionKey(key: string, value: string, createOnly: boolean): Promise<void> {
    const lease = this.lease
    if (lease === null || !this.alive) throw new Error('etcd session is not established')
    const s = { key, value, createOnly }
    await this.writeSessionKey(lease, s)
    this.sessionKeys.set(key, s)
  }

  /** Creates `key` under the session lease if absent, once (not re-created). For elections. */
  async createEphemeral(key: string, value: string): Promise<boolean> {
    const lease = this.lease
    if (lease === null || !this.alive) return false
    const res = await this.client
      .if(this.k(key), 'Create', '==', 0)
      .then(lease.put(this.k(key)).value(value))
      .commit()
    return res.succeeded
  }

  // ---- watches ----

  /**
   * Loads everything under `prefix`, then follows changes. Events at or below the snapshot
   * revision are dropped (the snapshot already has them). On reconnect the prefix is read again
   * and handed over as a new snapshot.
   */
  async watchPrefix(prefix: string, handlers: WatchHandlers): Promise<() => Promise<void>> {
    let snapshotRev = 0
    let resyncing: Promise<void> | null = null
    const load = async (): Promise<number> => {
      const { kvs, revision } = await this.getPrefix(prefix)
      snapshotRev = revision
      handlers.snapshot(kvs, revision)
      return revision
    }
    const start = await load()
    const watcher = await this.client
      .watch()
      .prefix(this.k(prefix))
      .startRevision(String(start + 1))
      .create()
    this.watchers.add(watcher)
    let disconnected = false
    const resync = (): void => {
      if (resyncing !== null || this.closed) return
      resyncing = load()
        .then(() => undefined)
        .catch((err: unknown) => {
          this.log('warn', 'etcd resync failed; will retry on the next reconnect', {
            prefix,
            error: (err as Error).message,
          })
        })
        .finally(() => {
          resyncing = null
        })
    }
    watcher.on('put', (kv) => {
      if (rev(kv.mod_revision) <= snapshotRev) return
      handlers.put(this.toKv(kv))
    })
    watcher.on('delete', (kv) => {
      if (rev(kv.mod_revision) <= snapshotRev) return
      handlers.delete(this.strip(kv.key), rev(kv.mod_revision))
    })
    watcher.on('disconnected', () => {
      disconnected = true
    })
    watcher.on('connected', () => {
      if (!disconnected) return
      disconnected = false
      resync()
    })
    watcher.on('error', (err) => {
      this.log('warn', 'etcd watch error; resyncing', { prefix, error: err.message })
      resync()
    })
    return async () => {
      this.watchers.delete(watcher)
      await watcher.cancel()
    }
  }

  /** Stops renewing and revokes the lease (session keys disappear at once), closes the client. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.watchdog !== null) clearInterval(this.watchdog)
    this.alive = false
    for (const w of this.watchers) await w.cancel().catch(() => undefined)
    this.watchers.clear()
    const lease = this.lease
    this.lease = null
    if (lease !== null) {
      // Revoking makes the broker leave at once; with etcd unreachable the TTL does it instead.
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<void>((r) => {
        timer = setTimeout(r, 2000)
      })
      await Promise.race([lease.revoke().catch(() => undefined), timeout])
      clearTimeout(timer)
    }
    this.client.close()
  }

  /** Tests: drop the connection without revoking, as a crashed process would. */
  abandon(): void {
    this.closed = true
    if (this.watchdog !== null) clearInterval(this.watchdog)
    this.alive = false
    this.lease?.release()
    this.lease = null
    for (const w of this.watchers) void w.cancel().catch(() => undefined)
    this.watchers.clear()
    this.client.close()
  }
}

export class SessionKeyTaken extends Error {
  constructor(
    readonly key: string,
    readonly holder: string,
  ) {
    super(`etcd key ${key} is held by another live session (${holder})`)
    this.name = 'SessionKeyTaken'
  }
}
