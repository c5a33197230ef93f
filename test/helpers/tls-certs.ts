// Throwaway certificates (bench/tls-certs.ts) in a temporary directory removed in afterAll.
import { makeTestCerts as makeIn } from '../../bench/tls-certs.js'
import type { TestCerts } from '../../bench/tls-certs.js'
import { makeTempDir } from './broker-process.js'

export type { TestCerts }

export function makeTestCerts(): TestCerts {
  return makeIn(makeTempDir('samsa-tls-'))
}
