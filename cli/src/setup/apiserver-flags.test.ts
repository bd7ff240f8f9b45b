/**
 * The batch sizing of the apiserver flags: within the bounds its comment gives, and always able to carry the
 * expected rate with room to catch up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiserverFlags, batchSizing, flagsText } from './apiserver-flags.js';

test('batchSizing: the defaults for a small cluster, larger batches and more of them for a busy one', () => {
  assert.deepEqual(batchSizing(100), { maxSize: 200, maxWaitSeconds: 5, bufferSize: 10_000, throttleQps: 10, throttleBurst: 15 });
  assert.deepEqual(batchSizing(5000), { maxSize: 1000, maxWaitSeconds: 5, bufferSize: 50_000, throttleQps: 20, throttleBurst: 30 });
  assert.equal(batchSizing(1).maxSize, 100);
});

test('batchSizing: throughput is at least 4x the expected rate, and every value stays within its bounds', () => {
  for (const eps of [1, 7, 50, 99, 101, 450, 1000, 2500, 4001, 20_000, 100_000]) {
    const b = batchSizing(eps);
    assert.ok(b.throttleQps * b.maxSize >= 4 * eps, `${eps}/s: ${b.throttleQps} x ${b.maxSize}`);
    assert.ok(b.maxSize >= 100 && b.maxSize <= 1000 && b.maxSize % 100 === 0, `${eps}/s: max size ${b.maxSize}`);
    assert.ok(b.bufferSize >= 10_000 && b.bufferSize <= 50_000, `${eps}/s: buffer ${b.bufferSize}`);
    assert.ok(b.throttleQps >= 10 && b.throttleBurst > b.throttleQps);
  }
});

test('flagsText: every flag as --name=value after a one-line reason', () => {
  const text = flagsText(apiserverFlags({ eventsPerSecond: 100, policyPath: '/p/policy.yaml', kubeconfigPath: '/p/kc.yaml' }));
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length % 2, 0);
  for (let i = 0; i < lines.length; i += 2) {
    assert.match(lines[i]!, /^# \S.{10,}$/);
    assert.match(lines[i + 1]!, /^--audit-[a-z-]+=\S+$/);
  }
  assert.match(text, /^--audit-policy-file=\/p\/policy\.yaml$/m);
  assert.match(text, /^--audit-webhook-config-file=\/p\/kc\.yaml$/m);
});
