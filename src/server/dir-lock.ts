// One broker per data directory. The lock is a file created with O_EXCL holding the owner's pid;
// a lock whose pid is no longer running (the broker was killed) is stale and taken over. No
// flock: the check must also work for tools that only read the file.

import { promises as fsp } from 'node:fs'
import path from 'node:path'

export const LOCK_FILE = '.samsa.lock'

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export class DirLock {
  private released = false

  private constructor(readonly file: string) {}

  static async acquire(dir: string): Promise<DirLock> {
    const file = path.join(dir, LOCK_FILE)
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await fsp.open(file, 'wx')
        try {
          await fh.writeFile(`${process.pid}\n`)
        } finally {
          await fh.close()
        }
        return new DirLock(file)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      let text: string
      try {
        text = (await fsp.readFile(file, 'utf8')).trim()
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw err
      }
      const pid = Number(text)
      if (/^\d+$/.test(text) && pid > 0 && pidAlive(pid))
        throw new Error(`data directory ${dir} is in use by another broker (pid ${pid}, ${file})`)
      // Stale (owner gone) or half-written: remove and try again.
      await fsp.rm(file, { force: true })
    }
    throw new Error(`cannot lock data directory ${dir} (${file})`)
  }

  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    await fsp.rm(this.file, { force: true })
  }
}
