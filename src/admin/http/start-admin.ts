// Starts the admin listener named by `admin.listener`. A port taken on the built-in default
// address is only a warning (a second broker on one machine still starts, without its admin
// endpoint); a configured address that cannot be bound stops start-up like any bad listener.

import type { BrokerConfig } from '../../config/broker-config.js'
import { ADMIN_LISTENER_KEY, parseAdminListener } from './admin-address.js'
import { AdminServer } from './admin-server.js'
import type { LogFn } from '../../log-fn.js'

export async function startAdminListener(
  config: BrokerConfig,
  log: LogFn,
): Promise<AdminServer | null> {
  const address = parseAdminListener(config.values.get(ADMIN_LISTENER_KEY) ?? '')
  if (address === null) return null
  try {
    return await AdminServer.listen(address, { log })
  } catch (err) {
    const source = config.sources.get(ADMIN_LISTENER_KEY) ?? 'default'
    if (source !== 'default') throw err
    log('warn', `${(err as Error).message}; metrics and dashboard are off`, {
      hint: `set ${ADMIN_LISTENER_KEY} to another host:port, or empty to disable it`,
    })
    return null
  }
}
