// Java .properties syntax (the format of Kafka's server.properties), as java.util.Properties
// reads it: '#' and '!' comments, 'key=value', 'key: value' or 'key value', backslash escapes,
// and logical lines continued with a trailing odd number of backslashes.

export interface PropertyEntry {
  readonly key: string
  readonly value: string
  /** 1-based line where the logical line starts, for error messages. */
  readonly line: number
}

export function parseProperties(text: string): PropertyEntry[] {
  const entries: PropertyEntry[] = []
  const lines = text.split(/\r\n|\r|\n/)
  let i = 0
  while (i < lines.length) {
    const startLine = i + 1
    let logical = stripLeading(lines[i] ?? '')
    i++
    if (logical === '' || logical[0] === '#' || logical[0] === '!') continue
    // A trailing odd run of backslashes joins the next physical line (its leading space dropped).
    while (endsWithContinuation(logical) && i <= lines.length) {
      logical = logical.slice(0, -1) + stripLeading(lines[i] ?? '')
      i++
    }
    const { key, value } = splitKeyValue(logical)
    entries.push({ key: unescape(key), value: unescape(value), line: startLine })
  }
  return entries
}

function stripLeading(s: string): string {
  let j = 0
  while (j < s.length && (s[j] === ' ' || s[j] === '\t' || s[j] === '\f')) j++
  return s.slice(j)
}

function endsWithContinuation(s: string): boolean {
  let n = 0
  for (let j = s.length - 1; j >= 0 && s[j] === '\\'; j--) n++
  return n % 2 === 1
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\f'
}

/** The key ends at the first unescaped '=', ':' or whitespace; one separator is consumed. */
function splitKeyValue(s: string): { key: string; value: string } {
  let j = 0
  while (j < s.length) {
    const c = s[j]
    if (c === '\\') {
      j += 2
      continue
    }
    if (c === '=' || c === ':' || isSpace(c)) break
    j++
  }
  const key = s.slice(0, j)
  let k = j
  while (k < s.length && isSpace(s[k])) k++
  if (k < s.length && (s[k] === '=' || s[k] === ':')) {
    k++
    while (k < s.length && isSpace(s[k])) k++
  }
  return { key, value: s.slice(k) }
}

function unescape(s: string): string {
  if (!s.includes('\\')) return s
  let out = ''
  for (let j = 0; j < s.length; j++) {
    const c = s[j]
    if (c !== '\\') {
      out += c
      continue
    }
    j++
    const e = s[j]
    if (e === undefined) break
    if (e === 't') out += '\t'
    else if (e === 'n') out += '\n'
    else if (e === 'r') out += '\r'
    else if (e === 'f') out += '\f'
    else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(j + 1, j + 5))) {
      out += String.fromCharCode(parseInt(s.slice(j + 1, j + 5), 16))
      j += 4
    } else out += e
  }
  return out
}
