// A minimal RESP2 (Redis protocol) encoder and incremental parser for the Redis Streams baseline:
// commands are encoded once and written many times (pipelining); replies are parsed as they
// arrive, bulk strings as subarrays of the received data (no copies).

export type RespValue = string | number | Buffer | null | RespError | RespValue[]

export class RespError {
  constructor(readonly message: string) {}
}

/** `*N\r\n$len\r\narg\r\n...` for one command. */
export function encodeCommand(args: ReadonlyArray<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

const INCOMPLETE = Symbol('incomplete')

/** Feeds bytes, yields complete replies in order. */
export class RespParser {
  private buf: Buffer = Buffer.alloc(0)
  private pos = 0

  push(chunk: Buffer): RespValue[] {
    this.buf =
      this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk
    this.pos = 0
    const out: RespValue[] = []
    for (;;) {
      const start = this.pos
      const v = this.parse()
      if (v === INCOMPLETE) {
        this.pos = start
        break
      }
      out.push(v)
    }
    return out
  }

  private line(): string | typeof INCOMPLETE {
    const end = this.buf.indexOf(13, this.pos) // \r
    if (end < 0 || end + 1 >= this.buf.length) return INCOMPLETE
    const s = this.buf.toString('latin1', this.pos, end)
    this.pos = end + 2
    return s
  }

  private parse(): RespValue | typeof INCOMPLETE {
    if (this.pos >= this.buf.length) return INCOMPLETE
    const type = this.buf[this.pos++]
    const l = this.line()
    if (l === INCOMPLETE) return INCOMPLETE
    switch (type) {
      case 43: // +
        return l
      case 45: // -
        return new RespError(l)
      case 58: // :
        return Number(l)
      case 36: {
        // $
        const n = Number(l)
        if (n < 0) return null
        if (this.pos + n + 2 > this.buf.length) return INCOMPLETE
        const b = this.buf.subarray(this.pos, this.pos + n)
        this.pos += n + 2
        return b
      }
      case 42: {
        // *
        const n = Number(l)
        if (n < 0) return null
        const arr: RespValue[] = []
        for (let i = 0; i < n; i++) {
          const v = this.parse()
          if (v === INCOMPLETE) return INCOMPLETE
          arr.push(v)
        }
        return arr
      }
      default:
        throw new Error(`RESP: unexpected type byte ${type}`)
    }
  }
}
