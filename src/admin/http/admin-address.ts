// The `admin.listener` property: `host:port` (IPv6 in brackets); empty disables the listener.

import { ConfigError } from '../../config/broker-config.js'

export interface AdminAddress {
  readonly host: string
  /** 0 = any free port. */
  readonly port: number
}

export const ADMIN_LISTENER_KEY = 'admin.listener'

export function parseAdminListener(text: string): AdminAddress | null {
  const v = text.trim()
  if (v === '') return null
  const m = /^(?:http:\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/\s[\]]*):(\d+)\/?$/.exec(v)
  if (m === null) throw new ConfigError(ADMIN_LISTENER_KEY, `'${v}' is not host:port`)
  const port = Number(m[2])
  if (port > 65535) throw new ConfigError(ADMIN_LISTENER_KEY, `'${v}' has port ${port} above 65535`)
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '')
  return { host: host === '' ? '0.0.0.0' : host, port }
}
