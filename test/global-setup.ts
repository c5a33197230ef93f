// Compiles src/ to dist/ once per test run so integration tests can start real broker
// processes (node bin/samsa.js) exactly as a user would.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

export default function setup(): void {
  // Unit-test runs while the tree is mid-change may skip the build: SAMSA_SKIP_BUILD=1.
  if (process.env.SAMSA_SKIP_BUILD === '1') return
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  )
}
