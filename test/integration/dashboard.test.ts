// The dashboard in a real headless Chromium (Debian package `chromium`, driven by playwright-core):
// while a producer runs, the throughput chart's path and the topic row's log end offset change.
// A screenshot is kept as an artifact (its path is printed).
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { topicManagerFor } from '../../src/metadata/topic-manager.js'
import { KafkaTestClient, startTestBroker } from '../admin/http/admin-helpers.js'
import type { TestBroker } from '../admin/http/admin-helpers.js'

const CHROMIUM = process.env.SAMSA_CHROMIUM ?? '/usr/bin/chromium'
const ARTIFACTS = process.env.SAMSA_TEST_ARTIFACTS ?? path.join(os.tmpdir(), 'samsa-test-artifacts')
const TOPIC = 'dashboard-demo'

let tb: TestBroker | undefined
let browser: Browser | undefined

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install the Debian package \`chromium\` ` +
        '(apt-get install chromium) or point SAMSA_CHROMIUM at a Chromium binary',
    )
  }
  tb = await startTestBroker()
  await topicManagerFor(tb.broker.services).create(TOPIC, 2, {})
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
})

afterAll(async () => {
  await browser?.close()
  await tb?.stop()
})

interface PageState {
  live: boolean
  chart: string
  leo: number
  rate: string
}

function readState(page: Page): Promise<PageState> {
  return page.evaluate((topic) => {
    const leo = document.querySelector(`tr[data-topic="${topic}"][data-partition="0"] td.c-leo`)
    return {
      live: document.getElementById('status')?.className === 'live',
      chart: document.getElementById('chart-messages')?.getAttribute('d') ?? '',
      leo: leo === null ? -1 : Number(leo.textContent),
      rate: document.getElementById('rate-messages')?.textContent ?? '',
    }
  }, TOPIC)
}

it('the throughput chart and the topic row update while a producer runs', async () => {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 860 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(`${tb!.adminUrl}/`)
  await page.waitForSelector(`tr[data-topic="${TOPIC}"][data-partition="0"] td.c-leo`, {
    timeout: 10_000,
  })
  const before = await readState(page)
  expect(before.live).toBe(true)
  expect(before.leo).toBe(0)

  // Produce in a bounded loop (at most 10 s) until the page has shown the change.
  const client = await KafkaTestClient.connect(tb!.kafkaPort)
  let produced = 0
  let after = before
  const deadline = Date.now() + 10_000
  try {
    while (Date.now() < deadline) {
      for (let p = 0; p < 2; p++) await client.produce(TOPIC, p, 50, 200)
      produced += 50
      await new Promise((r) => setTimeout(r, 100))
      after = await readState(page)
      if (after.leo > 0 && after.chart !== before.chart && produced >= 1500) break
    }
  } finally {
    await client.close()
  }
  expect(after.leo).toBeGreaterThan(before.leo)
  expect(after.leo).toBeLessThanOrEqual(produced)
  expect(after.chart).not.toBe(before.chart)
  expect(after.chart).toMatch(/^M[\d.-]+,[\d.-]+( L[\d.-]+,[\d.-]+)+$/)
  expect(after.rate).not.toBe('0/s')
  // One more push so the screenshot shows the final offsets.
  await page.waitForFunction(
    ([topic, n]) =>
      Number(
        document.querySelector(`tr[data-topic="${topic}"][data-partition="0"] td.c-leo`)
          ?.textContent,
      ) === n,
    [TOPIC, produced] as const,
    { timeout: 5_000 },
  )
  expect(errors).toEqual([])

  await mkdir(ARTIFACTS, { recursive: true })
  const shot = path.join(ARTIFACTS, 'dashboard.png')
  await page.screenshot({ path: shot, fullPage: true })
  console.log(`dashboard screenshot: ${shot}`)
  await page.close()
})
