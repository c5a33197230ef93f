// The operator commands of the `samsa` command table (src/cli/main.ts): tune, topics, groups,
// produce, consume. Each run() turns the errors users cause into a one-line message and an exit
// code: usage mistakes exit 2 with the usage, broker/connection problems exit 1.

import { ClientError } from '../admin/client/connection.js'
import { ConfigError } from '../config/broker-config.js'
import { UsageError } from './args.js'
import { CONSUME_USAGE, runConsume } from './admin/consume.js'
import { GROUPS_USAGE, runGroups } from './admin/groups.js'
import { PRODUCE_USAGE, runProduce } from './admin/produce.js'
import { TOPICS_USAGE, runTopics } from './admin/topics.js'
import { TUNE_USAGE, runTune } from './tune/command.js'

export interface CliCommand {
  summary: string
  usage: string
  run(args: string[]): Promise<number>
}

function guarded(
  name: string,
  summary: string,
  usage: string,
  run: (args: string[]) => Promise<number>,
): CliCommand {
  return {
    summary,
    usage,
    async run(args) {
      try {
        return await run(args)
      } catch (err) {
        if (err instanceof UsageError) {
          process.stderr.write(`samsa ${name}: ${err.message}\nusage: ${usage}\n`)
          return 2
        }
        if (err instanceof ConfigError) {
          process.stderr.write(`samsa ${name}: ${err.message}\n`)
          return 2
        }
        if (err instanceof ClientError) {
          process.stderr.write(`samsa ${name}: ${err.message}\n`)
          return 1
        }
        throw err
      }
    },
  }
}

export const tuneCommand = guarded(
  'tune',
  'check (and --apply) kernel settings for a broker',
  TUNE_USAGE,
  runTune,
)
export const topicsCommand = guarded(
  'topics',
  'create, list, describe, alter, delete topics',
  TOPICS_USAGE,
  (a) => runTopics(a),
)
export const groupsCommand = guarded(
  'groups',
  'list, describe, delete consumer groups; reset offsets',
  GROUPS_USAGE,
  (a) => runGroups(a),
)
export const produceCommand = guarded(
  'produce',
  'send lines from stdin or a file as records',
  PRODUCE_USAGE,
  (a) => runProduce(a),
)
export const consumeCommand = guarded(
  'consume',
  'print the records of a topic',
  CONSUME_USAGE,
  (a) => runConsume(a),
)
