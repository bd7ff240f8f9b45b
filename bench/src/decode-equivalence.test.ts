/**
 * The generated cluster mix through the worker's decoding on both decoders (JSON.parse and the native simdjson one):
 * the same events and the same alerts, with Falco's current rules and ours, first match and all. The conformance
 * traces and damaged messages are compared by services/evaluator/src/decode-equivalence.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReceivedMessage } from '@peregrine/kafka';
import { packBatch, TaskEvaluator } from '@peregrine/evaluator/internals';
import { loadRuleFiles } from '@peregrine/rule-engine';
import { requireNativeDecoder } from '@peregrine/simd-decode/test-support';
import { generateEvents, toEventLists } from './gen/audit-events.js';
import { benchRulesets } from './rulesets.js';

test('the generated mix gives the same alerts on both decoders', async (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const bodies = toEventLists(generateEvents(12_000, 11), 100);
  const messages: ReceivedMessage[] = bodies.map((body, i) => ({
    topic: 'audit', partition: 0, offset: String(i), value: Buffer.from(body), headers: { 'peregrine-cluster': `c${i % 3}` },
  }));
  const { rulesets } = benchRulesets();
  for (const rs of rulesets) {
    for (const ruleMatching of ['first', 'all'] as const) {
      const loaded = await loadRuleFiles(rs.paths, { ruleMatching });
      assert.ok(loaded.ok && loaded.ruleset);
      const options = { hostname: 'equivalence', timingSampleEvery: 1_000_000 };
      const json = new TaskEvaluator(loaded.ruleset, undefined, options).evaluate(packBatch(messages));
      const extractor = decoder.createExtractor(loaded.ruleset.slotPlan);
      const native = new TaskEvaluator(loaded.ruleset, extractor, options).evaluate(packBatch(messages));
      assert.equal(native.events, 12_000);
      assert.equal(json.events, 12_000);
      assert.deepEqual(native.deadLetters, json.deadLetters);
      assert.deepEqual(native.alerts, json.alerts, `${rs.name}, ${ruleMatching}`);
      assert.ok(json.alerts.length > 100, `${rs.name}, ${ruleMatching}: ${json.alerts.length} alerts`);
      t.diagnostic(`${rs.name} rules, ${ruleMatching}: ${json.alerts.length} alerts, identical`);
    }
  }
});
