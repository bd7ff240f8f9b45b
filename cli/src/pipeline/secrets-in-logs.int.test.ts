/**
 * Tokens, keys, secret headers, HMAC secrets and event bodies never reach the logs, at the most verbose levels, with
 * the real binary: `peregrine run` at trace, and the three services over a Kafka-protocol broker at trace with
 * kafkajs at debug. The webhook gets right, wrong and malformed credentials and bodies, each carrying a marker (see
 * leak-fixture.ts); the alerts carry the event marker to the receivers (so it flowed through every service); then
 * everything the processes wrote, stdout and stderr, is searched for every secret and marker.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadConfig, silentLogger } from '@peregrine/core';
import { HEADER_CLUSTER, KafkaBus, KafkaConfig } from '@peregrine/kafka';
import { verifySignature } from '@peregrine/outputs';
import { requireMockBroker, startMockBroker } from '@peregrine/testkit';
import {
  assertNoSecrets, type Fixture, makeFixture, opensslAvailable, SECRETS, sendEverything,
} from './leak-fixture.js';
import { type PeregrineProcess, startPeregrine, webhookUrl } from './process-test-support.js';

async function until(check: () => boolean, what: string, describeState: () => string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${describeState()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The alerts made it through, signed; and the marker with them: it could have leaked anywhere on the way. */
function assertAlertsDelivered(fixture: Fixture, alerts: number): void {
  const delivered = fixture.verified.bodies.slice(1);
  assert.equal(delivered.length, alerts);
  assert.ok(delivered.every((b) => b.includes(SECRETS.eventMarker)), 'the alerts carry the event marker');
  fixture.verified.headers.forEach((h, i) => {
    const verdict = verifySignature(String(h['x-peregrine-signature']), Buffer.from(fixture.verified.bodies[i]!), [SECRETS.hmacFileSecret]);
    assert.equal(verdict.ok, true, `request ${i} is signed with the file's secret`);
    assert.equal(h['x-api-key'], SECRETS.headerSecret, 'the secret header is sent (to the receiver only)');
  });
  fixture.refusing.headers.forEach((h, i) => {
    const verdict = verifySignature(String(h['x-peregrine-signature']), Buffer.from(fixture.refusing.bodies[i]!), [SECRETS.hmacInlineSecret]);
    assert.equal(verdict.ok, true, `refused request ${i} is signed with the inline secret`);
  });
}

/** How many messages the evaluator reported sending to the dead-letter topic, from its log lines. */
function evaluatorDeadLetters(stderr: string): number {
  return stderr.split('\n').filter((l) => l.includes('undecodable messages sent to the dead-letter topic'))
    .reduce((sum, l) => sum + ((JSON.parse(l) as { count?: number }).count ?? 0), 0);
}

const skip = opensslAvailable() ? false : 'openssl is not installed (needed for the TLS keys of the fixture)';

describe('secrets never reach the logs', { skip }, () => {
  it('peregrine run at trace: every request kind, a retry, dead letters, a token reload', async (t) => {
    const fixture = await makeFixture(t);
    const config = fixture.file('peregrine.yaml');
    writeFileSync(config, fixture.config);
    const run = startPeregrine(t, ['run', '--config', config]);
    const url = await webhookUrl(run);
    assert.match(url, /^https:/);
    const alerts = await sendEverything(url, fixture);

    const state = () => `stderr tail:\n${run.stderr().slice(-4000)}`;
    await until(() => fixture.verified.bodies.length >= alerts + 1 && fixture.refusing.bodies.length >= alerts, 'the alerts', state);
    await until(() => evaluatorDeadLetters(run.stderr()) >= 1, 'the evaluator dead letter', state);
    await until(() => /alerts dead-lettered/.test(run.stderr()), 'the outputs dead letters', state);
    run.child.kill('SIGHUP');
    await until(() => /ingest tokens reloaded/.test(run.stderr()), 'the token reload', state);
    assert.equal(await run.stop(), 0);
    assertAlertsDelivered(fixture, alerts);

    const logs = run.stderr();
    // The paths that could leak were taken and logged: the assertions below are not vacuous.
    assert.match(logs, /"level":10,/, 'trace lines');
    assert.match(logs, /"msg":"client error"/, "the parser's error, with its raw packet, at trace");
    assert.ok((logs.match(/"msg":"audit request rejected"/g) ?? []).length >= 10, 'every refusal at debug');
    assert.match(logs, /"msg":"sink write failed/, 'the retry');
    assertNoSecrets(`${run.stdout()}\n${logs}`, fixture, 'peregrine run');
  });

  it('configuration errors name the problem, never the secret: a misspelt key, a wrong type, a YAML syntax error', async (t) => {
    const fixture = await makeFixture(t);
    const cases = {
      'misspelt.yaml': `ingest:\n  auth:\n    tokens:\n      - { tokne: ${SECRETS.inlineToken}, cluster: a }\n`,
      'unknown.yaml': `ingest:\n  tkn: ${SECRETS.fileToken}\n`,
      'type.yaml': `outputs:\n  sinks:\n    - { type: http, url: "http://x/", hmac: { secret: { value: ${SECRETS.hmacInlineSecret} } } }\n`,
      'syntax.yaml': `ingest:\n  auth:\n    tokens:\n      - token: ${SECRETS.wrongToken}: x\n`,
    };
    for (const [name, text] of Object.entries(cases)) {
      writeFileSync(fixture.file(name), text);
      for (const command of ['run', 'outputs']) {
        const proc = startPeregrine(t, [command, '--config', fixture.file(name)], { KAFKA_BROKERS: '127.0.0.1:9' });
        assert.equal(await proc.exited, 2, `${command} ${name}: a usage error; ${proc.stderr()}`);
        assert.match(proc.stderr(), /invalid configuration|not valid YAML/, `${command} ${name}`);
        assertNoSecrets(`${proc.stdout()}\n${proc.stderr()}`, fixture, `peregrine ${command} --config ${name}`);
      }
    }
  });

  it('ingest, evaluator and outputs over Kafka at trace (kafkajs at debug), and a forged message on the bus', async (t) => {
    if (!requireMockBroker(t)) return;
    const fixture = await makeFixture(t);
    const broker = await startMockBroker({
      topics: [{ name: 'audit', partitions: 2 }, { name: 'alerts', partitions: 2 }, { name: 'dead', partitions: 1 }],
    });
    t.after(() => broker.stop());
    const kafka = {
      brokers: broker.bootstrap, createTopics: false, idempotent: false, sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000,
      maxWaitTimeMs: 100, logLevel: 'debug',
    };
    const config = fixture.file('peregrine.yaml');
    writeFileSync(config, [fixture.config, 'topics: { audit: audit, alerts: alerts, deadLetter: dead }', `kafka: ${JSON.stringify(kafka)}`, ''].join('\n'));
    const common = ['--config', config];
    const services: Record<string, PeregrineProcess> = {
      outputs: startPeregrine(t, ['outputs', ...common, '--metrics-listen', '127.0.0.1:0']),
      evaluator: startPeregrine(t, ['evaluator', ...common, '--metrics-listen', '127.0.0.1:0']),
      ingest: startPeregrine(t, ['ingest', ...common]),
    };
    const url = await webhookUrl(services['ingest']!);
    await Promise.all(['outputs', 'evaluator'].map((name) => services[name]!.waitFor(new RegExp(`peregrine ${name}: started`))));
    const alerts = await sendEverything(url, fixture);

    // Whoever can write to the audit topic can put anything there: the evaluator must not log what it cannot decode.
    const bus = new KafkaBus(loadConfig(KafkaConfig, kafka), silentLogger());
    const producer = bus.producer();
    await producer.start();
    await producer.send('audit', [{ key: 'forged', value: Buffer.from(`{"kind":"EventList","items":[${SECRETS.bodyMarker}`), headers: { [HEADER_CLUSTER]: 'forged' } }]);
    await producer.stop();

    const state = () => Object.entries(services).map(([name, p]) => `${name}:\n${p.stderr().slice(-2500)}`).join('\n');
    await until(() => fixture.verified.bodies.length >= alerts + 1 && fixture.refusing.bodies.length >= alerts, 'the alerts', state);
    await until(() => evaluatorDeadLetters(services['evaluator']!.stderr()) >= 2, 'both evaluator dead letters', state);
    await until(() => /alerts dead-lettered/.test(services['outputs']!.stderr()), 'the outputs dead letters', state);
    for (const [name, proc] of Object.entries(services)) assert.equal(await proc.stop(), 0, `${name} stops cleanly`);
    assertAlertsDelivered(fixture, alerts);

    assert.match(services['ingest']!.stderr(), /"kafkajs":/, 'kafkajs logs are in');
    assert.match(services['ingest']!.stderr(), /"msg":"client error"/);
    for (const [name, proc] of Object.entries(services)) {
      assert.match(proc.stderr(), /"level":(10|20),/, `${name} logged at trace/debug`);
      assertNoSecrets(`${proc.stdout()}\n${proc.stderr()}`, fixture, `peregrine ${name}`);
    }
  });
});
