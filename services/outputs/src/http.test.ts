import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEADER_DEAD_LETTER_REASON, HEADER_DEAD_LETTER_SOURCE } from '@peregrine/kafka';
import { alertToJson, parsePriority } from '@peregrine/rule-engine';
import {
  EVT_TIME, freePort, makeAlert, metricValue, startOutputs, startReceiver, waitFor,
} from './test-support.js';

/** Retries with ms-scale backoff, so that failure paths run fast. */
const FAST = { backoffInitialMs: 5, backoffMaxMs: 20, backoffJitter: 0 };

/** falcosidekick's Check(): what it requires of a payload, else 400 "Please send a valid request body". */
function assertSidekickShape(body: unknown): void {
  assert.equal(typeof body, 'object');
  const o = body as Record<string, unknown>;
  assert.equal(typeof o['output'], 'string');
  assert.ok(o['output'] !== '');
  assert.ok(typeof o['priority'] === 'string' && parsePriority(o['priority']) !== undefined);
  assert.ok(typeof o['rule'] === 'string' && o['rule'] !== '');
  assert.ok(typeof o['time'] === 'string' && !Number.isNaN(Date.parse(o['time'])));
  assert.ok(typeof o['output_fields'] === 'object' && o['output_fields'] !== null && Object.keys(o['output_fields']).length > 0);
  assert.equal(o['source'], 'k8s_audit');
  assert.ok(Array.isArray(o['tags']));
  assert.equal(typeof o['hostname'], 'string');
}

test('http: one POST per alert, in the shape falcosidekick requires, exact bytes', async (t) => {
  const receiver = await startReceiver(t);
  const h = await startOutputs(t, { sinks: [{ type: 'http', url: receiver.url }] });
  const alerts = Array.from({ length: 20 }, () => makeAlert());
  await h.publish(alerts);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.equal(receiver.requests.length, 20);
  for (const r of receiver.requests) {
    assert.equal(r.method, 'POST');
    assert.equal(r.headers['content-type'], 'application/json');
    assertSidekickShape(JSON.parse(r.body));
    assert.ok(r.body.includes(`"evt.time":${EVT_TIME}`), 'nanoseconds kept exactly');
  }
  assert.deepEqual(new Set(receiver.delivered()), new Set(alerts.map(alertToJson)));
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_alerts_delivered_total', { sink: 'http' }), 20);
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_delivery_attempts_failed_total', { sink: 'http' }), 0);
});

test('http batching: JSON arrays of up to batchMaxAlerts', async (t) => {
  const receiver = await startReceiver(t);
  const h = await startOutputs(t, { sinks: [{ type: 'http', url: receiver.url, batchMaxAlerts: 4 }] }, { partitions: 1 });
  const alerts = Array.from({ length: 10 }, () => makeAlert());
  await h.publish(alerts);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  const bodies = receiver.delivered().map((b) => JSON.parse(b) as unknown[]);
  for (const body of bodies) {
    assert.ok(Array.isArray(body) && body.length >= 1 && body.length <= 4);
    body.forEach(assertSidekickShape);
  }
  assert.equal(bodies.flat().length, 10);
  assert.ok(bodies.length < 10, 'alerts were batched');
});

test('receiver down, then up: everything delivered, committed only after', async (t) => {
  const port = await freePort();
  const h = await startOutputs(t, {
    sinks: [{ type: 'http', url: `http://127.0.0.1:${port}/`, retries: 10_000, ...FAST }],
  });
  const alerts = Array.from({ length: 8 }, () => makeAlert());
  await h.publish(alerts);
  await waitFor('failed attempts', async () => (await metricValue(h.registry, 'peregrine_outputs_delivery_attempts_failed_total', { sink: 'http' })) >= 5);
  assert.ok((await h.lag()) > 0, 'nothing committed while the receiver is down');
  assert.equal(h.components[0]!.health().ok, false, 'a failing sink is not healthy');

  const receiver = await startReceiver(t, () => 200, { port });
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.deepEqual(new Set(receiver.delivered()), new Set(alerts.map(alertToJson)));
  assert.equal(h.deadLetters().length, 0);
  assert.equal(h.components[0]!.health().ok, true);
});

test('500 N times then 200: delivered once, every failed attempt counted', async (t) => {
  const failures = 3;
  const receiver = await startReceiver(t, (_r, n) => (n < failures ? 500 : 200));
  const h = await startOutputs(t, { sinks: [{ type: 'http', url: receiver.url, retries: 5, ...FAST }] });
  const alert = makeAlert();
  await h.publish([alert]);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.deepEqual(receiver.requests.map((r) => r.status), [500, 500, 500, 200]);
  assert.deepEqual(receiver.delivered(), [alertToJson(alert)]);
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_delivery_attempts_failed_total', { sink: 'http' }), failures);
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_alerts_delivered_total', { sink: 'http' }), 1);
  assert.equal(h.deadLetters().length, 0);
});

test('always 500: dead-lettered with the reason after the retries, then committed', async (t) => {
  const receiver = await startReceiver(t, () => 500);
  const h = await startOutputs(t, { sinks: [{ type: 'http', name: 'sidekick', url: `${receiver.url}?token=s3cret`, retries: 2, ...FAST }] });
  const alerts = [makeAlert(), makeAlert()];
  await h.publish(alerts);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.equal(receiver.requests.length, 6, '1 attempt + 2 retries per alert');
  const dead = h.deadLetters();
  assert.deepEqual(new Set(dead.map((m) => m.value.toString())), new Set(alerts.map(alertToJson)));
  assert.deepEqual(new Set(dead.map((m) => m.key)), new Set(alerts.map((a) => a.id)));
  for (const m of dead) {
    assert.equal(m.headers[HEADER_DEAD_LETTER_SOURCE], 'sidekick');
    assert.match(m.headers[HEADER_DEAD_LETTER_REASON]!, /retries exhausted after 3 attempts: .*HTTP 500/);
    assert.doesNotMatch(m.headers[HEADER_DEAD_LETTER_REASON]!, /s3cret/, 'the query string is not shown');
  }
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_alerts_dead_lettered_total', { sink: 'sidekick', reason: 'retries_exhausted' }), 2);
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_delivery_attempts_failed_total', { sink: 'sidekick' }), 6);
  // The log says so with rule and id, never the alert itself nor the URL's secrets.
  const deadLogs = h.logs().split('\n').filter((l) => l.includes('alerts dead-lettered')).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(deadLogs.length, 2);
  for (const line of deadLogs) {
    assert.equal(line['level'], 40);
    assert.equal(line['sink'], 'sidekick');
    assert.deepEqual(Object.keys((line['alerts'] as object[])[0]!).sort(), ['id', 'rule']);
  }
  assert.ok(!h.logs().includes(alerts[0]!.output), 'no alert content in the log');
  assert.ok(!h.logs().includes('s3cret'));
});

test('400: dead-lettered at once, without retries', async (t) => {
  const receiver = await startReceiver(t, () => 400);
  const h = await startOutputs(t, { sinks: [{ type: 'http', url: receiver.url, retries: 5, ...FAST }] });
  const alert = makeAlert();
  await h.publish([alert]);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.equal(receiver.requests.length, 1);
  const [dead] = h.deadLetters();
  assert.equal(dead?.value.toString(), alertToJson(alert));
  assert.match(dead!.headers[HEADER_DEAD_LETTER_REASON]!, /^rejected: .*HTTP 400/);
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_alerts_dead_lettered_total', { sink: 'http', reason: 'rejected' }), 1);
});

test('408 and 429 are retried like 5xx', async (t) => {
  const receiver = await startReceiver(t, (_r, n) => [408, 429, 503][n] ?? 200);
  const h = await startOutputs(t, { sinks: [{ type: 'http', url: receiver.url, retries: 5, ...FAST }] });
  await h.publish([makeAlert()]);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.deepEqual(receiver.requests.map((r) => r.status), [408, 429, 503, 200]);
  assert.equal(h.deadLetters().length, 0);
});

test('a receiver that hangs: the attempt times out and is retried', async (t) => {
  const receiver = await startReceiver(t, (_r, n) => (n === 0 ? 'hang' : 200));
  const h = await startOutputs(t, { sinks: [{ type: 'http', url: receiver.url, timeoutMs: 200, retries: 3, ...FAST }] });
  const alert = makeAlert();
  await h.publish([alert]);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.deepEqual(receiver.requests.map((r) => r.status), ['hang', 200]);
  assert.deepEqual(receiver.delivered(), [alertToJson(alert)]);
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_delivery_attempts_failed_total', { sink: 'http' }), 1);
});

test('a sink that is down does not hold back the other sinks', async (t) => {
  const port = await freePort();
  const h = await startOutputs(t, {
    sinks: [{ type: 'stdout' }, { type: 'http', url: `http://127.0.0.1:${port}/`, retries: 10_000, ...FAST }],
  });
  const alerts = Array.from({ length: 10 }, () => makeAlert());
  await h.publish(alerts);
  await waitFor('stdout has every alert', () => alerts.every((a) => h.stdoutText().includes(a.id)));
  assert.ok((await h.lag()) > 0, 'not committed: the http sink does not have them yet');
  const receiver = await startReceiver(t, () => 200, { port });
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.equal(receiver.delivered().length, 10);
});

test('the dead-letter write fails: nothing is committed, and the batch comes again', async (t) => {
  const receiver = await startReceiver(t, (r) => (r.body.includes('"priority":"Critical"') ? 400 : 200));
  const h = await startOutputs(t, { sinks: [{ type: 'http', url: receiver.url, retries: 0 }] }, { partitions: 1 });
  await h.producer.stop(); // dead-letter writes now fail with PG_ERR_BUS_UNAVAILABLE
  const other = h.bus.producer();
  await other.start();
  t.after(() => other.stop());
  const rejected = makeAlert({ priority: 'Critical' });
  await other.send('alerts', [{ key: rejected.id, value: Buffer.from(alertToJson(rejected)) }]);
  await waitFor('a few redeliveries', () => receiver.requests.length >= 3);
  assert.equal(await h.lag(), 1, 'not committed');
  assert.equal(h.deadLetters().length, 0);

  await h.producer.start();
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.equal(h.deadLetters().length, 1);
});

test('stop() during delivery: the batch in hand finishes and is committed', async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const receiver = await startReceiver(t, async () => {
    await gate;
    return 200;
  });
  const h = await startOutputs(t, { sinks: [{ type: 'http', url: receiver.url, maxInFlight: 2 }] }, { partitions: 1 });
  const alerts = Array.from({ length: 5 }, () => makeAlert());
  await h.publish(alerts);
  await waitFor('deliveries in flight', () => receiver.requests.length >= 1);
  const stopped = h.stop();
  setTimeout(release, 50);
  await stopped;
  assert.deepEqual(new Set(receiver.delivered()), new Set(alerts.map(alertToJson)));
  assert.equal(await h.lag(), 0);
  assert.equal(h.deadLetters().length, 0);
});
