// SSL listeners against a real broker process, with certificates made by openssl at run time:
// - kcat (librdkafka) produces and consumes over TLS, byte for byte, including an 8 MB read that
//   goes through the copy path (no sendfile through TLS);
// - Metadata gives each client the addresses of the listener it came in on;
// - KafkaJS runs a consumer group over TLS (FindCoordinator answers with the SSL address);
// - a plaintext client on the SSL port is logged and dropped, and the broker keeps serving;
// - ssl.client.auth=required refuses a client without a certificate and accepts one signed by
//   the truststore's CA;
// - SIGHUP re-reads the key material (a certificate renewed in place), and a broken file leaves
//   the previous one serving;
// - unusable settings stop start-up with the key named.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import type { Consumer } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSamsa, startBrokerProcess } from '../helpers/broker-process.js'
import type { BrokerProcess } from '../helpers/broker-process.js'
import { runKcat } from '../helpers/kcat.js'
import { until } from '../helpers/wait.js'
import { makeTestCerts } from '../helpers/tls-certs.js'
import type { TestCerts } from '../helpers/tls-certs.js'

let certs: TestCerts
let broker: BrokerProcess
let sslBootstrap = ''

/** The port a broker printed for its SSL listener (the start helper waits for PLAINTEXT's). */
async function sslPort(b: BrokerProcess): Promise<number> {
  const printed = (): RegExpExecArray | null =>
    /samsa listening on SSL:\/\/[^\s]*:(\d+)/.exec(b.output())
  await until(() => printed() !== null, 10_000)
  return Number(printed()?.[1])
}

function sslArgs(extra: string[] = []): string[] {
  return ['-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${certs.ca}`, ...extra]
}

async function startTlsBroker(set: Record<string, string> = {}): Promise<BrokerProcess> {
  return startBrokerProcess({
    set: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
      'ssl.keystore.location': certs.serverPem,
      'group.initial.rebalance.delay.ms': '100',
      'offsets.topic.num.partitions': '3',
      ...set,
    },
  })
}

beforeAll(async () => {
  certs = makeTestCerts()
  broker = await startTlsBroker()
  sslBootstrap = `127.0.0.1:${await sslPort(broker)}`
}, 60_000)

afterAll(async () => {
  await broker?.stop()
})

describe('SSL listener', () => {
  it('kcat produces and consumes over TLS byte for byte, small and 8 MB', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `k${i}:value-${i}-${'é'.repeat(i % 7)}`)
    await runKcat(sslBootstrap, ['-P', '-t', 'tls', '-K', ':', ...sslArgs()], lines.join('\n'))
    const back = await runKcat(sslBootstrap, [
      ...['-C', '-t', 'tls', '-e', '-q', '-f', '%k:%s\\n', ...sslArgs()],
    ])
    expect(back.stdout.trim().split('\n')).toEqual(lines)
    // 8 MB written over plaintext, read over TLS (and over plaintext: the same bytes).
    const big = Array.from({ length: 1600 }, (_, i) => `${i}-${'x'.repeat(5000)}`).join('\n')
    await runKcat(broker.bootstrap, ['-P', '-t', 'tls-big'], big)
    const digest = (s: string): string => createHash('sha256').update(s).digest('hex')
    const overTls = await runKcat(sslBootstrap, ['-C', '-t', 'tls-big', '-e', '-q', ...sslArgs()])
    const plain = await runKcat(broker.bootstrap, ['-C', '-t', 'tls-big', '-e', '-q'])
    expect(digest(overTls.stdout)).toBe(digest(big + '\n'))
    expect(digest(plain.stdout)).toBe(digest(big + '\n'))
  })

  it('gives each client the advertised address of the listener it came in on', async () => {
    const overTls = await runKcat(sslBootstrap, ['-L', '-t', 'tls', ...sslArgs()])
    expect(overTls.stdout).toContain(`broker 1 at ${sslBootstrap}`)
    const plain = await runKcat(broker.bootstrap, ['-L', '-t', 'tls'])
    expect(plain.stdout).toContain(`broker 1 at ${broker.bootstrap}`)
  })

  it('runs a KafkaJS consumer group over TLS', async () => {
    const kafka = new Kafka({
      clientId: 'tls-test',
      brokers: [sslBootstrap],
      ssl: { ca: [fs.readFileSync(certs.ca, 'utf8')] },
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 },
    })
    const producer = kafka.producer()
    await producer.connect()
    const sent = Array.from({ length: 50 }, (_, i) => `m${i}`)
    await producer.send({ topic: 'tls-group', messages: sent.map((value) => ({ value })) })
    await producer.disconnect()
    const consumer: Consumer = kafka.consumer({ groupId: 'tls-g', maxWaitTimeInMs: 200 })
    try {
      const seen: string[] = []
      await consumer.connect()
      await consumer.subscribe({ topic: 'tls-group', fromBeginning: true })
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(message.value?.toString() ?? '')
            if (seen.length === sent.length) resolve()
          },
        })
      })
      await done
      expect(seen).toEqual(sent)
    } finally {
      await consumer.disconnect()
    }
  }, 60_000)

  it('drops a plaintext client on the SSL port with a log line and keeps serving', async () => {
    const port = await sslPort(broker)
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        // An ApiVersions request in the clear: not a TLS record.
        s.write(Buffer.from('0000000d00120000000000010003616263', 'hex'))
      })
      s.on('data', () => undefined)
      s.on('close', () => resolve(true))
      s.on('error', () => undefined)
      setTimeout(() => resolve(false), 10_000).unref()
    })
    expect(closed).toBe(true)
    expect(broker.output()).toMatch(/"listener":"SSL".*"msg":"TLS handshake failed"/)
    const after = await runKcat(sslBootstrap, ['-L', ...sslArgs()])
    expect(after.stdout).toContain('1 brokers')
  })
})

describe('ssl.client.auth=required', () => {
  it('refuses a client without a certificate and accepts one the CA signed', async () => {
    const strict = await startTlsBroker({
      'ssl.client.auth': 'required',
      'ssl.truststore.location': certs.ca,
    })
    try {
      const bootstrap = `127.0.0.1:${await sslPort(strict)}`
      await expect(
        runKcat(bootstrap, ['-L', '-m', '3', ...sslArgs(['-X', 'socket.timeout.ms=3000'])]),
      ).rejects.toThrow()
      const withCert = sslArgs([
        ...['-X', `ssl.certificate.location=${certs.clientCert}`],
        ...['-X', `ssl.key.location=${certs.clientKey}`],
      ])
      const ok = await runKcat(bootstrap, ['-L', ...withCert])
      expect(ok.stdout).toContain(`broker 1 at ${bootstrap}`)
    } finally {
      await strict.stop()
    }
  }, 60_000)
})

describe('SIGHUP', () => {
  it('swaps in a certificate renewed in place; a broken file keeps the previous one', async () => {
    const file = path.join(certs.dir, 'rotating.pem')
    fs.copyFileSync(certs.serverPem, file)
    const b = await startTlsBroker({ 'ssl.keystore.location': file })
    try {
      const bootstrap = `127.0.0.1:${await sslPort(b)}`
      const metadata = (ca: string): Promise<unknown> =>
        runKcat(bootstrap, [
          ...['-L', '-m', '3', '-X', 'security.protocol=ssl', '-X', `ssl.ca.location=${ca}`],
        ])
      await metadata(certs.ca)
      // A certificate from another CA replaces the file; clients trusting only the old CA are
      // refused from the next handshake on.
      const next = makeTestCerts()
      fs.copyFileSync(next.serverPem, file)
      b.proc.kill('SIGHUP')
      await until(() => /"msg":"TLS key material reloaded"/.test(b.output()), 10_000)
      await metadata(next.ca)
      await expect(metadata(certs.ca)).rejects.toThrow()
      fs.writeFileSync(file, 'not a key\n')
      b.proc.kill('SIGHUP')
      await until(() => /"msg":"TLS key material reload failed/.test(b.output()), 10_000)
      await metadata(next.ca)
    } finally {
      await b.stop()
    }
  }, 60_000)
})

describe('refused SSL settings', () => {
  const start = (sets: Record<string, string>): ReturnType<typeof runSamsa> => {
    const args = ['start', '--set', 'admin.listener=']
    for (const [k, v] of Object.entries({ 'log.dirs': certs.dir + '/data', ...sets }))
      args.push('--set', `${k}=${v}`)
    return runSamsa(args)
  }

  it('an SSL listener without a keystore, a SASL listener, unusable key material', async () => {
    const noKey = await start({ listeners: 'SSL://127.0.0.1:0' })
    expect(noKey.code).toBe(2)
    expect(noKey.output).toMatch(/config ssl\.keystore\.location: an SSL listener needs/)
    const sasl = await start({
      listeners: 'SASL_SSL://127.0.0.1:0',
      'listener.security.protocol.map': 'SASL_SSL:SASL_SSL',
    })
    expect(sasl.code).toBe(2)
    expect(sasl.output).toMatch(/SASL_SSL is not implemented/)
    const junk = await start({
      listeners: 'SSL://127.0.0.1:0',
      'ssl.keystore.location': certs.ca, // a certificate without its key
    })
    expect(junk.code).toBe(2)
    expect(junk.output).toMatch(/config ssl\.keystore\.location: unusable key material/)
    expect(junk.output).not.toMatch(/listening/)
  }, 60_000)
})
