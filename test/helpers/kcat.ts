// Runs the kcat command-line client (Debian package `kcat`) against a test broker, bounded by a
// timeout so that a hung client cannot hold up the run.
import { spawn } from 'node:child_process'

const KCAT_TIMEOUT_MS = 30_000

export interface KcatRun {
  stdout: string
  stderr: string
}

/** `kcat -b bootstrap ...args` with `input` on stdin; rejects with its stderr when it fails. */
export function runKcat(bootstrap: string, args: readonly string[], input = ''): Promise<KcatRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', bootstrap, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    const timer = setTimeout(() => child.kill('SIGKILL'), KCAT_TIMEOUT_MS)
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const run = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }
      if (code === 0) resolve(run)
      else reject(new Error(`kcat ${args.join(' ')} exited ${code ?? signal}: ${run.stderr}`))
    })
    child.stdin.end(input)
  })
}
