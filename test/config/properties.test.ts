import { describe, expect, it } from 'vitest'
import { parseProperties } from '../../src/config/properties.js'

function asMap(text: string): Record<string, string> {
  return Object.fromEntries(parseProperties(text).map((e) => [e.key, e.value]))
}

describe('parseProperties (java.util.Properties syntax)', () => {
  it('skips # and ! comments and blank lines, keeps line numbers', () => {
    const entries = parseProperties('# comment\n! also comment\n\n  \nlog.dirs=/a\n')
    expect(entries).toEqual([{ key: 'log.dirs', value: '/a', line: 5 }])
  })

  it('accepts =, : and whitespace separators with surrounding spaces', () => {
    expect(asMap('a=1\nb : 2\nc 3\n  d   =   4  \ne\n')).toEqual({
      a: '1',
      b: '2',
      c: '3',
      d: '4  ',
      e: '',
    })
  })

  it('keeps a second separator in the value', () => {
    expect(asMap('listeners=PLAINTEXT://h:9092\nx==y')).toEqual({
      listeners: 'PLAINTEXT://h:9092',
      x: '=y',
    })
  })

  it('joins continuation lines and drops the leading space of the next line', () => {
    expect(asMap('log.dirs=/a,\\\n    /b,\\\n  /c\nnext=1')).toEqual({
      'log.dirs': '/a,/b,/c',
      next: '1',
    })
  })

  it('an even number of trailing backslashes is an escaped backslash, not a continuation', () => {
    expect(asMap('a=x\\\\\nb=y')).toEqual({ a: 'x\\', b: 'y' })
  })

  it('decodes escapes in keys and values', () => {
    expect(asMap('my\\ key\\=x=tab\\there\\nnl \\u0041\\:')).toEqual({
      'my key=x': 'tab\there\nnl A:',
    })
  })

  it('handles CRLF line endings', () => {
    expect(asMap('a=1\r\nb=2\r\n')).toEqual({ a: '1', b: '2' })
  })
})
