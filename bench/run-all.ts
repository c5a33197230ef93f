// Runs every benchmark in bench/ one after another, each in its own process so one benchmark's
// memory and page cache state does not leak into the next one's figures more than the machine
// forces. Arguments after `--` are passed to every benchmark (e.g. `-- --bytes 268435456`).
//
// Usage: npm run bench [-- --bytes N]
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const BENCHES = [
  'native-ceilings.js',
  'log-append.js',
  'log-roll.js',
  'log-read-sendfile.js',
  'protocol-codec.js',
  'fetch-purgatory.js',
  'log-lookup.js',
  'kcat-throughput.js',
]

let failed = 0
for (const name of BENCHES) {
  console.log(`\n== ${name.replace(/\.js$/, '')} ==`)
  const r = spawnSync(process.execPath, [path.join(here, name), ...process.argv.slice(2)], {
    stdio: 'inherit',
  })
  if (r.status !== 0) {
    failed++
    console.log(`(${name} exited with ${r.status ?? r.signal})`)
  }
}
process.exitCode = failed === 0 ? 0 : 1
