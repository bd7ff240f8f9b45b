/**
 * The evaluator over the in-memory bus with a real piscina pool (compiled workers from dist): every expected alert
 * reaches the alerts topic, undecodable messages reach the dead-letter topic with their reason, offsets are
 * committed, and a rules reload takes effect without losing or repeating a batch.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRegistry, loadConfig, silentLogger } from '@peregrine/core';
import { HEADER_CLUSTER, HEADER_DEAD_LETTER_REASON, MemoryBus } from '@peregrine/kafka';
import { buildAlert, decodeAuditPayload, loadRuleFiles } from '@peregrine/rule-engine';
import { repoRoot } from '@peregrine/testkit';
import { EvaluatorConfig } from './config.js';
import { buildEvaluator } from './service.js';

const root = repoRoot();
const topics = { audit: 'audit', alerts: 'alerts', deadLetter: 'dead' };
const sampleLines = readFileSync(join(root, 'examples', 'sample-audit.jsonl'), 'utf8').trim().split('\n');

async function expectedIds(rules: string[], lines: string[], cluster: string): Promise<string[]> {
  const loaded = await loadRuleFiles(rules);
  assert.ok(loaded.ruleset);
  const ids: string[] = [];
  for (const line of lines) {
    for (const event of decodeAuditPayload(line, cluster).events) {
      for (const m of loaded.ruleset.evaluate(event)) ids.push(buildAlert(m, { hostname: 'h' }).id);
    }
  }
  return ids.sort();
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function start(rules: string[], bus: MemoryBus, extra: Record<string, unknown> = {}) {
  const config = loadConfig(EvaluatorConfig, { rules, workers: 2, hostname: 'h', watchRules: false, ...extra });
  return buildEvaluator(config, { bus, topics, logger: silentLogger(), registry: createRegistry() });
}

test('every expected alert reaches the alerts topic; bad messages go to the dead-letter topic; all committed', async (t) => {
  const bus = new MemoryBus({ partitions: 2 });
  const rules = [join(root, 'rules')];
  const evaluator = start(rules, bus);
  await evaluator.start();
  t.after(() => evaluator.stop());
  const producer = bus.producer();
  await producer.start();
  // Many copies of the sample, in messages of one line each, from two clusters.
  const messages = [];
  for (let i = 0; i < 20; i++) {
    for (const line of sampleLines) messages.push({ key: `c${i % 2}`, value: Buffer.from(line), headers: { [HEADER_CLUSTER]: `c${i % 2}` } });
  }
  await producer.send(topics.audit, messages);

  const goodLines = sampleLines.filter((l) => decodeAuditPayload(l).errors.length === 0);
  const expected = [...await expectedIds(rules, goodLines, 'c0'), ...await expectedIds(rules, goodLines, 'c1')].sort();
  await until(() => bus.lag(topics.audit, 'peregrine-evaluator') === 0, 'the audit topic to be committed');

  const alerts = bus.peek(topics.alerts).map((m) => JSON.parse(m.value.toString()) as { id: string; cluster: string; hostname: string });
  assert.equal(alerts.length, expected.length * 10, 'each of the 10 copies per cluster alerts');
  assert.deepEqual([...new Set(alerts.map((a) => a.id))].sort(), [...new Set(expected)].sort());
  assert.ok(alerts.every((a) => a.hostname === 'h' && (a.cluster === 'c0' || a.cluster === 'c1')));
  assert.ok(bus.peek(topics.alerts).every((m) => m.key === (JSON.parse(m.value.toString()) as { id: string }).id));

  const dead = bus.peek(topics.deadLetter);
  const badLines = sampleLines.length - goodLines.length;
  assert.equal(dead.length, badLines * 20);
  assert.match(dead[0]!.headers[HEADER_DEAD_LETTER_REASON] ?? '', /invalid JSON/);
});

test('a rules reload swaps the rules between batches: later events use the new rules, none is lost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-eval-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rulesFile = join(dir, 'rules.yaml');
  const ruleText = (name: string) => [
    '- rule: ' + name,
    '  desc: every completed request',
    '  condition: ka.stage = ResponseComplete',
    '  output: "%ka.verb by %ka.user.name"',
    '  priority: NOTICE',
    '  source: k8s_audit',
    '',
  ].join('\n');
  writeFileSync(rulesFile, ruleText('Before'));
  const bus = new MemoryBus({ partitions: 1 });
  const evaluator = start([rulesFile], bus);
  await evaluator.start();
  t.after(() => evaluator.stop());
  const producer = bus.producer();
  await producer.start();
  const good = sampleLines.filter((l) => decodeAuditPayload(l).errors.length === 0);
  const completed = good.filter((l) => (JSON.parse(l) as { stage: string }).stage === 'ResponseComplete').length;
  assert.ok(completed > 0);

  await producer.send(topics.audit, good.map((l) => ({ value: Buffer.from(l) })));
  await until(() => bus.peek(topics.alerts).length === completed, 'alerts of the first rules');

  // A broken file is refused and the current rules stay.
  writeFileSync(rulesFile, '- rule: Broken\n  condition: (\n');
  const refused = await evaluator.reload();
  assert.equal(refused.ok, false);
  assert.ok(refused.errors.length > 0);

  writeFileSync(rulesFile, ruleText('After'));
  const reloaded = await evaluator.reload();
  assert.equal(reloaded.ok, true);
  await producer.send(topics.audit, good.map((l) => ({ value: Buffer.from(l) })));
  await until(() => bus.peek(topics.alerts).length === 2 * completed, 'alerts of the reloaded rules');
  const rulesSeen = bus.peek(topics.alerts).map((m) => (JSON.parse(m.value.toString()) as { rule: string }).rule);
  assert.deepEqual(rulesSeen, [...Array(completed).fill('Before'), ...Array(completed).fill('After')]);
});

test('the evaluator refuses to start with rules that do not load', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-eval-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'bad.yaml'), '- rule: X\n  desc: d\n  condition: ka.nope = 1\n  output: o\n  priority: INFO\n  source: k8s_audit\n');
  const evaluator = start([join(dir, 'bad.yaml')], new MemoryBus());
  await assert.rejects(evaluator.start(), /unknown field 'ka.nope'/);
});
