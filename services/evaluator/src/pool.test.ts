/**
 * The rule pool's swap and close with tasks still queued: every task given to the pool settles with its result,
 * never with piscina's "Terminating worker thread" (a batch failed that way is evaluated again, which a rules
 * reload promises not to cause). Found by the fault suite's rules-reload case: SIGHUP under load failed a batch.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ReceivedMessage } from '@peregrine/kafka';
import { repoRoot } from '@peregrine/testkit';
import { packBatch } from './batch.js';
import { RulePool } from './pool.js';
import type { WorkerData } from './worker.js';

const root = repoRoot();
const rulesPath = join(root, 'rules', 'k8s_audit_rules.yaml');
const data: WorkerData = {
  rules: [{ path: rulesPath, text: readFileSync(rulesPath, 'utf8') }],
  ruleMatching: 'first',
  hostname: 'h',
  timingSampleEvery: 64,
};
const lines = readFileSync(join(root, 'examples', 'sample-audit.jsonl'), 'utf8').trim().split('\n');

/** A batch of `n` messages, one sample line each: enough work that tasks queue behind the two workers. */
function batch(n: number): ReturnType<typeof packBatch> {
  const messages = Array.from({ length: n }, (_, i) => ({
    topic: 'audit', partition: 0, offset: String(i), value: Buffer.from(lines[i % lines.length]!), headers: {},
  }) satisfies ReceivedMessage);
  return packBatch(messages);
}

const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => `failed: ${e.message}`);

test('a swap while tasks are queued lets the old pool finish all of them', async () => {
  const pool = new RulePool(data, 2);
  try {
    const before = Array.from({ length: 8 }, () => outcome(pool.run(batch(500))));
    assert.ok(pool.queued > 0, 'tasks must be queued when the swap happens, or this test proves nothing');
    pool.swap(data);
    const after = Array.from({ length: 4 }, () => outcome(pool.run(batch(500))));
    assert.deepEqual(await Promise.all([...before, ...after]), Array.from({ length: 12 }, () => 'ok'));
  } finally {
    await pool.close();
  }
});

test('close() while tasks are queued finishes them before ending the threads', async () => {
  const pool = new RulePool(data, 2);
  const runs = Array.from({ length: 6 }, () => outcome(pool.run(batch(500))));
  assert.ok(pool.queued > 0);
  await pool.close();
  assert.deepEqual(await Promise.all(runs), Array.from({ length: 6 }, () => 'ok'));
});

test('a pool closed while its threads are still loading ends cleanly (SIGTERM right after a rules reload)', async () => {
  // Each close lands at a different point of the workers' start: loading the worker's modules, compiling the rules.
  // Loading the worker file as an ES module through require() could abort the whole process here (worker-entry.cts).
  for (const ms of [0, 1, 2, 5, 10, 20, 40, 80, 160]) {
    const pool = new RulePool({ ...data, decoder: 'json' }, 2);
    await new Promise((r) => setTimeout(r, ms));
    await pool.close();
  }
  const pool = new RulePool(data, 1);
  assert.equal(await outcome(pool.run(batch(3))), 'ok', 'and a pool still evaluates');
  await pool.close();
});

test('a worker whose rules fail to load fails its task; nothing hangs', async () => {
  const pool = new RulePool({ ...data, rules: [{ path: 'broken.yaml', text: '- rule: r\n  condition: ((\n' }] }, 1);
  assert.match(await outcome(pool.run(batch(1))), /^failed: .*rules failed to load in a worker/s);
  await pool.close();
});
