/**
 * Smoke tests of the pool, ingest and e2e benches and of the chart: each bench's run() with a tiny budget returns
 * rows and its target ratio keys, and the chart drawn from those results is an SVG with bars. Nothing about timing
 * is asserted (a shared 2-core machine makes any number meaningless at this budget). The benches run concurrently to
 * keep the file fast; the Kafka e2e smoke skips outside CI when the mock broker cannot be built (requireMockBroker),
 * and the ingest smoke likewise without wrk, which CI installs.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { requireMockBroker } from '@peregrine/testkit';
import { renderChart } from './chart.js';
import * as e2e from './e2e.js';
import * as ingest from './ingest.js';
import * as pool from './pool.js';
import type { BenchResult } from './results.js';
import { haveWrk } from './lib/wrk.js';

const tiny = { quick: true, seconds: 0.2, tag: 'smoke' } as const;
const results: { pool?: BenchResult; ingest?: BenchResult; e2e?: BenchResult } = {};

function checkShape(r: BenchResult, bench: string, ratioKeys: readonly string[]): void {
  assert.equal(r.bench, bench);
  assert.ok(r.rows.length > 0, 'has rows');
  assert.ok(r.machine.cores > 0 && r.machine.cpu.length > 0 && r.machine.node.startsWith('v'), 'records the machine');
  for (const key of ratioKeys) assert.equal(typeof r.ratios?.[key], 'number', `ratio ${key}`);
}

function requireWrk(t: TestContext): boolean {
  if (haveWrk()) return true;
  if (process.env['CI'] === 'true') throw new Error('wrk is missing: CI must run the ingest smoke test (apt-get install wrk)');
  t.skip('no wrk (apt-get install -y wrk to run this test)');
  return false;
}

describe('benches with a tiny budget', { concurrency: true }, () => {
  test('pool: RulePool with 1 and 2 workers', async () => {
    const r = await pool.run({ ...tiny, workers: [1, 2], shapes: ['500 x 1'], events: 600, rounds: 1 });
    checkShape(r, 'pool', Object.keys(pool.TARGETS));
    assert.ok(r.rows.some((row) => row['variant'] === 'RulePool' && row['workers'] === 2));
    results.pool = r;
  });

  test('ingest: the webhook route and the JSON.parse route under wrk', async (t) => {
    if (!requireWrk(t)) return;
    const r = await ingest.run({ ...tiny, variants: ['memory', 'json-parse'], rounds: 1, warmUp: false });
    checkShape(r, 'ingest', Object.keys(ingest.TARGETS));
    assert.equal(r.rows.length, 2);
    results.ingest = r;
  });

  test('e2e: peregrine run, one step', async () => {
    const r = await e2e.run({ ...tiny, modes: ['embedded'], rates: [2000], stepSeconds: 0.5, rounds: 1, events: 200 });
    checkShape(r, 'e2e', Object.keys(e2e.TARGETS));
    assert.equal(r.rows[0]!['mode'], 'embedded');
    results.e2e = r;
  });

  test('e2e: the three services over the mock Kafka broker, one step', async (t) => {
    if (!requireMockBroker(t)) return;
    // One evaluator: the group's first join alone takes ~3 s on the mock; a second member would add a rebalance.
    const r = await e2e.run({ ...tiny, modes: ['kafka'], rates: [2000], stepSeconds: 0.5, rounds: 1, events: 200, evaluators: 1 });
    checkShape(r, 'e2e', [...Object.keys(e2e.TARGETS), 'e2eZeroLossAtHighestRateKafka']);
    const rss = String(r.rows[0]!['max RSS MiB']);
    for (const name of ['ingest', 'evaluator-1', 'outputs']) assert.ok(rss.includes(name), `memory of ${name}`);
  });
});

test('chart: the smoke results draw as an SVG with bars', () => {
  const svg = renderChart(results, 'smoke');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/);
  assert.match(svg, /<\/svg>\s*$/);
  // Bars are the rects with a <title> (the background is a rect too).
  const bars = svg.match(/<rect [^>]*><title>/g) ?? [];
  assert.ok(bars.length >= 2, `bars drawn: ${bars.length}`);
  assert.ok(svg.includes('events/s'), 'axis label');
  // Every tag opened is closed or self-closed: a cheap well-formedness check.
  const tags = (re: RegExp) => (svg.match(re) ?? []).length;
  assert.equal(tags(/<(svg|text|rect|title|line)\b/g) - tags(/<(svg|text|rect|title|line)\b[^>]*\/>/g), tags(/<\/(svg|text|rect|title|line)>/g));
  assert.equal(renderChart({}).startsWith('<svg'), true, 'an empty result set still gives a valid document');
});
