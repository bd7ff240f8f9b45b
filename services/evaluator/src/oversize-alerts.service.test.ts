/**
 * The poison alert the webhook fuzzer found, end to end through the evaluator: an event whose alert is larger than
 * the bus's message limit used to fail its batch on every retry, so that nothing after it in the partition was ever
 * evaluated. Now its message is dead-lettered with the reason, the batch is committed, and the events after it alert.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRegistry, loadConfig, silentLogger } from '@peregrine/core';
import { HEADER_CLUSTER, HEADER_DEAD_LETTER_REASON, MemoryBus } from '@peregrine/kafka';
import { EvaluatorConfig } from './config.js';
import { buildEvaluator } from './service.js';

const topics = { audit: 'audit', alerts: 'alerts', deadLetter: 'dead' };

const event = (auditID: string, userAgent: string) => JSON.stringify({
  kind: 'Event', auditID, stage: 'ResponseComplete', verb: 'get', userAgent, user: { username: 'u' },
  objectRef: { resource: 'pods' }, stageTimestamp: '2026-01-01T00:00:00Z',
});

test('an alert too large for the bus dead-letters its message, and the partition goes on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-oversize-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, '- rule: Agent\n  desc: d\n  condition: ka.verb = get\n  output: "agent %ka.useragent"\n' +
    '  priority: WARNING\n  source: k8s_audit\n');
  const bus = new MemoryBus({ partitions: 1, maxMessageBytes: 64 * 1024, retryBackoffMs: 50 });
  const config = loadConfig(EvaluatorConfig, { rules: [rules], workers: 1, hostname: 'h', watchRules: false });
  const evaluator = buildEvaluator(config, { bus, topics, logger: silentLogger(), registry: createRegistry() });
  await evaluator.start();
  t.after(() => evaluator.stop());
  const producer = bus.producer();
  await producer.start();
  const headers = { [HEADER_CLUSTER]: 'c' };
  // 40 KB of user agent: the message fits in 64 KB, its alert (the agent in `output` and in `output_fields`) does not.
  await producer.send(topics.audit, [
    { key: 'c', value: Buffer.from(event('big', 'x'.repeat(40 * 1024))), headers },
    { key: 'c', value: Buffer.from(event('after', 'curl')), headers },
  ]);

  const deadline = Date.now() + 20_000;
  while (bus.lag(topics.audit, 'peregrine-evaluator') > 0) {
    assert.ok(Date.now() < deadline, 'the batch was never committed: the partition is stuck');
    await new Promise((r) => setTimeout(r, 20));
  }
  const dead = bus.peek(topics.deadLetter);
  assert.equal(dead.length, 1);
  assert.match(dead[0]!.headers[HEADER_DEAD_LETTER_REASON]!, /^the alert of rule 'Agent' is \d+ bytes, more than the bus message limit of 65536$/);
  assert.deepEqual(bus.peek(topics.alerts).map((m) => (JSON.parse(m.value.toString()) as { output_fields: Record<string, string> }).output_fields['ka.useragent']), ['curl']);
});
