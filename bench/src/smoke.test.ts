/**
 * Smoke tests of my benches (benchmarks are not tests: nothing here asserts a speed). The generator: same seed, same
 * bytes; a realistic size distribution; every event a valid audit Event; a few percent of events fire our rules.
 * evaluator-core: runs with a tiny budget and returns its rows and ratios.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAuditPayload, loadRuleFiles } from '@peregrine/rule-engine';
import { loadNativeDecoder } from '@peregrine/simd-decode';
import { run as evaluatorCore } from './evaluator-core.js';
import { generateEvents, generateWithScenarios, sizeStats, toEventLists, toJsonLines } from './gen/audit-events.js';
import { rulesDir } from './lib/paths.js';
import { falcoRulesPaths } from './rulesets.js';

const COUNT = 4000;
const generated = generateWithScenarios(COUNT, 1);
const events = generated.map((g) => g.event);
const lines = toJsonLines(events).trimEnd().split('\n');

test('generator: the same seed gives the same bytes, another seed other bytes', () => {
  assert.equal(toJsonLines(generateEvents(COUNT, 1)), toJsonLines(events));
  assert.notEqual(toJsonLines(generateEvents(200, 2)), toJsonLines(events.slice(0, 200)));
  // A prefix does not depend on how many events are asked for.
  assert.equal(toJsonLines(generateEvents(100, 1)), toJsonLines(events.slice(0, 100)));
});

test('generator: sizes like a real cluster (median 0.5-4 KB, a tail over 50 KB)', () => {
  const s = sizeStats(lines.map((l) => Buffer.byteLength(l)));
  assert.ok(s.p50 >= 512 && s.p50 <= 4096, `median ${s.p50} bytes`);
  assert.ok(s.max > 50 * 1024, `max ${s.max} bytes`);
  assert.ok(lines.filter((l) => l.length > 50 * 1024).length >= 2, 'a few events over 50 KB');
  assert.ok(s.p99 > 4 * s.p50, `a long tail: p99 ${s.p99} vs p50 ${s.p50}`);
});

test('generator: every event is a complete audit Event; stages ordered, auditIDs unique per stage', () => {
  let previous = '';
  const seen = new Set<string>();
  for (const line of lines) {
    const { events: decoded, errors } = decodeAuditPayload(line);
    assert.deepEqual(errors, []);
    assert.equal(decoded.length, 1);
    const e = decoded[0]!.json;
    for (const k of ['kind', 'apiVersion', 'level', 'auditID', 'stage', 'requestURI', 'verb', 'user', 'requestReceivedTimestamp', 'stageTimestamp']) {
      assert.ok(e[k] !== undefined, `${k} in ${line.slice(0, 200)}`);
    }
    assert.equal(e['apiVersion'], 'audit.k8s.io/v1');
    const stamp = String(e['stageTimestamp']);
    assert.ok(stamp > previous, `stageTimestamp increases: ${previous} then ${stamp}`);
    previous = stamp;
    const key = `${String(e['auditID'])}/${String(e['stage'])}`;
    assert.ok(!seen.has(key), `duplicate ${key}`);
    seen.add(key);
    if (e['level'] === 'Metadata') assert.equal(e['requestObject'], undefined);
  }
  const levels = new Set(events.map((e) => e['level']));
  assert.deepEqual([...levels].sort(), ['Metadata', 'Request', 'RequestResponse']);
});

test('generator: EventList bodies of 100 and 400 events decode to the same events', () => {
  for (const size of [100, 400]) {
    const bodies = toEventLists(events, size);
    assert.equal(bodies.length, Math.ceil(COUNT / size));
    const decoded = bodies.flatMap((b) => decodeAuditPayload(b).events.map((e) => JSON.stringify(e.json)));
    assert.deepEqual(decoded, lines);
  }
});

test('generator: a few percent of events fire our rules; the built-to-fire scenarios are ~1-3%', async () => {
  const loaded = await loadRuleFiles([rulesDir()]);
  assert.ok(loaded.ruleset);
  const firing = lines.filter((l) => decodeAuditPayload(l).events.some((e) => loaded.ruleset!.evaluate(e).length > 0)).length;
  const share = firing / COUNT;
  assert.ok(share >= 0.01 && share <= 0.1, `${(100 * share).toFixed(1)}% of events fire our rules`);
  const suspicious = generated.filter((g) => g.suspicious).length / COUNT;
  assert.ok(suspicious >= 0.01 && suspicious <= 0.03, `${(100 * suspicious).toFixed(1)}% built to fire`);
});

test('evaluator-core: runs with a tiny budget and returns rows and the three ratios', async () => {
  const result = await evaluatorCore({ seconds: 0.2, quick: true });
  assert.equal(result.bench, 'evaluator-core');
  // JSON.parse, decode only, then per ruleset: (decode+evaluate, evaluate only) x partitioned/unpartitioned x
  // first/all, and the batch rows: (decode, decode + evaluate) x (json, native), and the native extraction alone.
  const native = loadNativeDecoder().available;
  assert.equal(result.rows.length, 2 + (8 + (native ? 5 : 2)) * (falcoRulesPaths() ? 2 : 1));
  for (const row of result.rows) assert.ok(Number(row['events/s']) > 0, JSON.stringify(row));
  for (const name of ['decodeEvaluateVsJsonParse', 'partitionedVsUnpartitionedEvalOnly', ...(native ? ['nativeVsJsonDecodeEvaluate'] : [])]) {
    assert.ok(Number.isFinite(result.ratios?.[name]) && result.ratios![name]! > 0, name);
  }
  assert.ok(result.notes?.some((n) => n.includes('decodeEvaluateVsJsonParse')), 'says whether each target is met');
  if (native) assert.ok(result.notes?.some((n) => /^native path, per event: simdjson \d/.test(n)), 'splits the native path\'s time');
});
