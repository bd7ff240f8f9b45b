import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, sleep } from './backoff.js';

const policy = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };

test('delays grow by the factor and stop at the maximum', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((r) => backoffDelay(policy, r)), [100, 200, 400, 800, 1000, 1000]);
});

test('jitter spreads the delay by +/- the fraction, never beyond the maximum', () => {
  const p = { ...policy, jitter: 0.5 };
  assert.equal(backoffDelay(p, 1, undefined, () => 0), 50);
  assert.equal(backoffDelay(p, 1, undefined, () => 1), 150);
  assert.equal(backoffDelay(p, 10, undefined, () => 1), 1000);
});

test("a receiver's Retry-After lengthens the delay, up to the maximum", () => {
  assert.equal(backoffDelay(policy, 1, 600), 600);
  assert.equal(backoffDelay(policy, 1, 60_000), 1000);
  assert.equal(backoffDelay(policy, 3, 10), 400);
});

test('sleep is cut short by its signal', async () => {
  const controller = new AbortController();
  const slept = sleep(60_000, controller.signal);
  controller.abort(new Error('stop'));
  await assert.rejects(slept, /stop/);
});
