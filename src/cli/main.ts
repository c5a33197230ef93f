// The `samsa` command line: a table of commands, each a function from its arguments to an exit
// code. `samsa start` runs the broker in the foreground until SIGTERM/SIGINT, then shuts down
// gracefully and exits 0.

import { startBroker } from '../broker.js'
import type { Broker } from '../broker.js'
import { ConfigError, loadBrokerConfig, parseOverride } from '../config/broker-config.js'
import { KEY_DEFS, envNameOf } from '../config/keys.js'
import { consoleLog } from '../server/logger.js'
import { benchCommand } from './bench.js'
import { perfCommand } from './perf/command.js'
import {
  consumeCommand,
  groupsCommand,
  produceCommand,
  topicsCommand,
  tuneCommand,
} from './commands.js'

interface Command {
  summary: string
  usage: string
  run(args: string[]): Promise<number>
}

const commands: Record<string, Command> = {
  start: {
    summary: 'run the broker in the foreground',
    usage: 'samsa start [--config server.properties] [--set key=value ...]',
    run: startCommand,
  },
  topics: topicsCommand,
  groups: groupsCommand,
  produce: produceCommand,
  consume: consumeCommand,
  tune: tuneCommand,
  perf: perfCommand,
  bench: benchCommand,
}

function usage(): string {
  const lines = ['usage: samsa <command> [options]', '', 'commands:']
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)} ${c.summary}`)
  lines.push('', 'samsa <command> --help shows the options of a command.')
  return lines.join('\n')
}

function startHelp(): string {
  const lines = [
    `usage: ${commands.start?.usage ?? ''}`,
    '',
    "Properties use Kafka's names. Precedence: defaults < --config file < SAMSA_<KEY> environment",
    '(dots as underscores, upper case, e.g. SAMSA_LOG_DIRS) < --set key=value.',
    '',
    'options:',
    '  --config, -c FILE   read a server.properties file',
    '  --set, -s KEY=VALUE override one property (repeatable)',
    '  --help, -h          this text',
    '',
    'properties:',
  ]
  for (const d of KEY_DEFS) {
    const def = d.default === null ? '' : ` (default ${d.default === '' ? '""' : d.default})`
    lines.push(`  ${d.key.padEnd(42)} ${d.doc}${def}`)
    lines.push(`  ${''.padEnd(42)} env ${envNameOf(d.key)}`)
  }
  return lines.join('\n')
}

async function startCommand(args: string[]): Promise<number> {
  let file: string | undefined
  const overrides: Array<[string, string]> = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    const value = (): string => {
      const v = args[++i]
      if (v === undefined) throw new ConfigError(a, 'needs a value')
      return v
    }
    if (a === '--help' || a === '-h') {
      process.stdout.write(startHelp() + '\n')
      return 0
    } else if (a === '--config' || a === '-c') file = value()
    else if (a.startsWith('--config=')) file = a.slice('--config='.length)
    else if (a === '--set' || a === '-s') overrides.push(parseOverride(value()))
    else if (a.startsWith('--set=')) overrides.push(parseOverride(a.slice('--set='.length)))
    else {
      process.stderr.write(`samsa start: unknown argument '${a}'\n${commands.start?.usage ?? ''}\n`)
      return 2
    }
  }

  const { config, warnings } = loadBrokerConfig({ file, overrides })
  for (const w of warnings) consoleLog('warn', w)
  // Signal handlers go in before start-up so a stop request during recovery is not lost (the
  // default action would kill the process without the clean-shutdown marker).
  let stopRequested: NodeJS.Signals | null = null
  let onStop: (signal: NodeJS.Signals) => void = (signal) => {
    stopRequested = signal
  }
  const handler = (signal: NodeJS.Signals): void => onStop(signal)
  process.on('SIGTERM', handler)
  process.on('SIGINT', handler)
  let broker: Broker
  try {
    broker = await startBroker(config, { log: consoleLog })
  } catch (err) {
    process.off('SIGTERM', handler)
    process.off('SIGINT', handler)
    throw err
  }

  return await new Promise<number>((resolve) => {
    let stopping = false
    onStop = (signal) => {
      if (stopping) {
        consoleLog('warn', `second ${signal} during shutdown; exiting now`)
        process.exit(1)
      }
      stopping = true
      consoleLog('info', `${signal} received, shutting down`)
      broker.close().then(
        () => {
          process.off('SIGTERM', handler)
          process.off('SIGINT', handler)
          // A handle someone forgot to close must not keep a stopped broker alive.
          setTimeout(() => process.exit(0), 2000).unref()
          resolve(0)
        },
        (err: unknown) => {
          consoleLog('error', 'shutdown failed', { error: err })
          resolve(1)
        },
      )
    }
    if (stopRequested !== null) onStop(stopRequested)
  })
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n')
    return name === undefined ? 2 : 0
  }
  const cmd = commands[name]
  if (cmd === undefined) {
    process.stderr.write(`samsa: unknown command '${name}'\n${usage()}\n`)
    return 2
  }
  try {
    return await cmd.run(rest)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`samsa: ${err.message}\n`)
      return 2
    }
    throw err
  }
}
