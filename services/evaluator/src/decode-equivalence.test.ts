/**
 * The native decoder must change nothing but speed: the same events, alerts (ids, output, output_fields), and dead
 * letters (with the same reasons) as JSON.parse, on Falco's conformance traces with both of Falco's rulesets, on our
 * rules' test events, and on thousands of damaged and odd messages. Each case runs the worker's own code
 * (TaskEvaluator) twice over the same batch, once per decoder. The generated mix of bench/ is compared by
 * bench/src/decode-equivalence.test.ts.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ReceivedMessage } from '@peregrine/kafka';
import { loadRuleFiles, type RuleMatching } from '@peregrine/rule-engine';
import { readCurrentSuite, readFalcoSuite } from '@peregrine/rule-engine/conformance';
import type { NativeDecoder } from '@peregrine/simd-decode';
import { requireNativeDecoder } from '@peregrine/simd-decode/test-support';
import { repoRoot, requireConformanceKit } from '@peregrine/testkit';
import { packBatch } from './batch.js';
import { TaskEvaluator } from './task-evaluator.js';

interface Comparison {
  readonly events: number;
  readonly alerts: number;
  readonly deadLetters: number;
  /** Messages the native decoder refused (decoded by JSON.parse instead). */
  readonly refused: number;
}

function messages(values: readonly Buffer[], cluster = 'prod'): ReceivedMessage[] {
  return values.map((value, i) => ({ topic: 'audit', partition: 0, offset: String(i), value, headers: { 'peregrine-cluster': cluster } }));
}

/** Runs one batch through both decoders and asserts identical results. */
async function compare(decoder: NativeDecoder, rules: readonly string[], values: readonly Buffer[], matching: RuleMatching, label: string): Promise<Comparison> {
  const loaded = await loadRuleFiles(rules, { ruleMatching: matching });
  assert.ok(loaded.ok && loaded.ruleset, `${label}: rules must load`);
  const ruleset = loaded.ruleset;
  const options = { hostname: 'equivalence', timingSampleEvery: 1_000_000 };
  const batch = messages(values);
  const json = new TaskEvaluator(ruleset, undefined, options).evaluate(packBatch(batch));
  const extractor = decoder.createExtractor(ruleset.slotPlan);
  const task = packBatch(batch);
  const native = new TaskEvaluator(ruleset, extractor, options).evaluate(task);
  assert.equal(native.events, json.events, `${label}: events`);
  assert.deepEqual(native.deadLetters, json.deadLetters, `${label}: dead letters`);
  assert.deepEqual(native.alerts, json.alerts, `${label}: alerts`);
  const bytes = new Uint8Array(task.buffer);
  let refused = 0;
  task.ends.forEach((end, i) => {
    const start = i === 0 ? 0 : task.ends[i - 1]!;
    if (typeof extractor.extract(bytes.subarray(start), end - start) === 'number') refused++;
  });
  return { events: json.events, alerts: json.alerts.length, deadLetters: json.deadLetters.length, refused };
}

function traceLines(path: string): Buffer[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => Buffer.from(l));
}

async function conformance(t: TestContext, matching: RuleMatching): Promise<void> {
  const decoder = requireNativeDecoder(t);
  const kit = requireConformanceKit(t);
  if (!decoder || !kit) return;
  const cases = [...readFalcoSuite(kit), ...readCurrentSuite(kit)];
  let alerts = 0;
  for (const c of cases) alerts += (await compare(decoder, c.rules, traceLines(c.trace), matching, c.name)).alerts;
  t.diagnostic(`${cases.length} conformance cases (${matching}), ${alerts} alerts, identical on both decoders`);
  assert.equal(cases.length, 132);
  assert.ok(alerts > 100, 'the traces must raise alerts for the comparison to mean something');
}

test("Falco's conformance traces give the same alerts on both decoders (first match)", (t) => conformance(t, 'first'));
test("Falco's conformance traces give the same alerts on both decoders (all matches)", (t) => conformance(t, 'all'));

/** Our rules' test events, one per message and all in one EventList. */
function ownRuleEvents(): unknown[] {
  const dir = join(repoRoot(), 'rules', 'tests');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) => {
    const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { positive?: unknown[]; negative?: unknown[] };
    return [...(doc.positive ?? []), ...(doc.negative ?? [])];
  });
}

const OUR_RULES = [join(repoRoot(), 'rules', 'k8s_audit_rules.yaml')];

test("our rules' test events give the same alerts on both decoders", async (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const events = ownRuleEvents();
  const values = [...events.map((e) => Buffer.from(JSON.stringify(e))), Buffer.from(JSON.stringify({ kind: 'EventList', items: events }))];
  const result = await compare(decoder, OUR_RULES, values, 'all', 'rules/tests');
  assert.equal(result.events, 2 * events.length);
  assert.ok(result.alerts > events.length / 2);
  assert.equal(result.refused, 0);
});

// --- damaged and odd messages ------------------------------------------------------------------------------------

/** A small deterministic PRNG (mulberry32), so that a failure names a seed that reproduces it. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Rewrites one event's JSON text in ways apiservers never do but attackers and bugs might. */
const MUTATIONS: readonly ((text: string, r: () => number) => string | Buffer)[] = [
  (s, r) => s.slice(0, Math.floor(r() * s.length)), // truncated
  (s, r) => { const i = Math.floor(r() * s.length); return s.slice(0, i) + '}{,:"[]\\'[Math.floor(r() * 9)] + s.slice(i + 1); },
  (s) => s.replace('"auditID":', '"auditID":123,"auditID":'), // duplicate member
  (s) => s.replace('"auditID":"', '"auditID":{"nested":"'), // wrong type; the text no longer parses or becomes odd
  (s) => s.replace(/"auditID":"[^"]*"/, '"auditID":12345678901234567890123'), // integer beyond 64 bits
  (s) => s.replace(/"auditID":"[^"]*"/, '"auditID":null'),
  (s) => s.replace('"verb":', '"v\\u0065rb":'), // escaped key
  (s) => s.replace('"username":"', '"username":"\\ud800'), // lone surrogate
  (s) => s.replace('"username":"', '"username":"\\u00e9\\u65e5\\ud83d\\ude00\\n\\t\\"'),
  (s) => `\ufeff${s}`, // byte order mark
  (s) => ` \n\t${s}\r\n `,
  (s) => s.replace('"kind":"Event"', '"kind":"Event","kind":"EventList"'),
  (s) => s.replace('"stageTimestamp":"', '"stageTimestamp":"x'),
  (s) => s.replace(/"stageTimestamp":"[^"]*",?/, ''),
  (s) => s.replace('"objectRef":{', '"objectRef":{"resource":["pods"],'),
  (s) => s.replace('"user":{', `"user":${'['.repeat(2000)}${']'.repeat(2000)},"u":{`), // deep nesting
  (s) => s.replace('"verb":"', '"verb":1e400,"x":"'), // number out of double range
  (s) => s.replace('"verb":"', '"verb":-0.0e-0,"x":"'),
  (s) => Buffer.concat([Buffer.from(s.slice(0, 20)), Buffer.from([0xc3, 0x28]), Buffer.from(s.slice(20))]), // invalid UTF-8
  (s) => `[${s},${s}]`,
  (s) => `{"kind":"EventList","items":[${s},"text",[${s}]],"items":[${s}]}`,
  (s) => `{"kind":"EventList","items":null}`.replace('null', r2(s)),
  (s) => s.replace('"kind":"Event"', '"kind":"Ev\\u0065nt"'),
  (s) => s.replace('"requestObject":{', '"requestObject":{"__proto__":{"spec":1},"constructor":2,'),
];

function r2(s: string): string {
  return s.length % 2 === 0 ? 'null' : '{}';
}

test('damaged and odd messages give the same events, alerts and dead letters on both decoders', async (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const events = ownRuleEvents().map((e) => JSON.stringify(e));
  const r = rng(20261206);
  const values: Buffer[] = [];
  for (let i = 0; i < 4000; i++) {
    const event = events[Math.floor(r() * events.length)]!;
    const mutated = MUTATIONS[i % MUTATIONS.length]!(event, r);
    values.push(typeof mutated === 'string' ? Buffer.from(mutated) : mutated);
  }
  const falco = requireConformanceKit(t);
  if (!falco) return;
  const falcoRules = [
    join(falco, 'falco-0.35.1', 'falcosecurity-rules-falco-rules-1.0.1', 'falco_rules.yaml'),
    join(falco, 'rules-current', 'k8s_audit_rules.yaml'),
  ];
  for (const [name, rules] of [['ours', OUR_RULES], ['falco', falcoRules]] as const) {
    const result = await compare(decoder, rules, values, 'all', `mutations, ${name} rules`);
    t.diagnostic(`${name} rules: ${values.length} messages, ${result.events} events, ${result.alerts} alerts, ${result.deadLetters} dead letters, ${result.refused} refused by simdjson`);
    // Both paths must be exercised: many messages extracted natively, many refused and decoded by JSON.parse.
    assert.ok(result.refused > 500 && result.refused < values.length - 1000, `refused ${result.refused}`);
    assert.ok(result.deadLetters > 500 && result.alerts > 500);
  }
});
