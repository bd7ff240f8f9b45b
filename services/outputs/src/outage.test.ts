/**
 * Receiver outages through the whole service, over real sockets: the default configuration retries a receiver that
 * is down for as long as its retry budget (no cap on the number of attempts), dead-letters only past the budget, and
 * does not make a shutdown wait for the budget.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEADER_DEAD_LETTER_REASON } from '@peregrine/kafka';
import { alertToJson } from '@peregrine/rule-engine';
import { ALERTS_TOPIC, freePort, makeAlert, metricValue, startOutputs, startReceiver, waitFor } from './test-support.js';

/** ms-scale backoff, so that many attempts fit in a test; retries and retryBudgetMs keep their defaults. */
const FAST = { backoffInitialMs: 5, backoffMaxMs: 20, backoffJitter: 0 };

const failedAttempts = (h: { registry: Parameters<typeof metricValue>[0] }) =>
  metricValue(h.registry, 'peregrine_outputs_delivery_attempts_failed_total', { sink: 'http' });

test('defaults: a receiver that stays down through many attempts gets every alert once back, none dead-lettered', async (t) => {
  const port = await freePort();
  const h = await startOutputs(t, { sinks: [{ type: 'http', url: `http://127.0.0.1:${port}/`, ...FAST }] });
  const alerts = Array.from({ length: 12 }, () => makeAlert());
  await h.publish(alerts);
  // The old default (5 retries) had dead-lettered every alert long before this many failures.
  await waitFor('30 failed attempts', async () => (await failedAttempts(h)) >= 30);
  assert.equal(h.deadLetters().length, 0);
  assert.ok((await h.lag()) > 0, 'nothing committed while the receiver is down');

  const receiver = await startReceiver(t, () => 200, { port });
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.deepEqual(new Set(receiver.delivered()), new Set(alerts.map(alertToJson)));
  assert.equal(receiver.requests.length, alerts.length, 'each alert once: the probes all failed on a closed port');
  assert.equal(h.deadLetters().length, 0);
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_alerts_dead_lettered_total'), 0);
});

test('a receiver failing past its retry budget: dead-lettered with the reason, said once in the log', async (t) => {
  const receiver = await startReceiver(t, () => 503);
  const h = await startOutputs(t, { sinks: [{ type: 'http', url: receiver.url, retryBudgetMs: 300, ...FAST }] });
  const alerts = Array.from({ length: 6 }, () => makeAlert());
  await h.publish(alerts);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  const dead = h.deadLetters();
  assert.deepEqual(new Set(dead.map((m) => m.value.toString())), new Set(alerts.map(alertToJson)));
  for (const m of dead) assert.match(m.headers[HEADER_DEAD_LETTER_REASON]!, /^retry budget exhausted: failing for \d+ s \(retryBudgetMs 300\): .*HTTP 503/);
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_alerts_dead_lettered_total', { sink: 'http', reason: 'retries_exhausted' }), 6);
  assert.equal(h.logs().split('\n').filter((l) => l.includes('sink failing beyond its retry budget')).length, 1);
  assert.equal(h.logs().split('\n').filter((l) => l.includes('retrying until it recovers')).length, 1, 'the outage is logged once');
});

test('stop() during an outage abandons the retries at once: nothing committed, nothing dead-lettered', async (t) => {
  const port = await freePort();
  const h = await startOutputs(t, { sinks: [{ type: 'stdout' }, { type: 'http', url: `http://127.0.0.1:${port}/`, ...FAST }] });
  const alerts = Array.from({ length: 4 }, () => makeAlert());
  await h.publish(alerts);
  await waitFor('failed attempts', async () => (await failedAttempts(h)) >= 3);
  await h.stop();
  // Without abandoning the retries, the consumer's stop would wait for the 15 min budget, and the harness's
  // stopAll would give up on it after its own timeout and say so.
  assert.doesNotMatch(h.logs(), /did not stop in time/);
  assert.equal(h.deadLetters().length, 0);
  assert.equal(h.bus.lag(ALERTS_TOPIC, 'outputs'), alerts.length, 'not committed: the batch comes again after a restart');
});
