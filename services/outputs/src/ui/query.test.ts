/**
 * The UI's filters and counts: every parameter narrows as documented, repeated values mean "any of", bad or unknown
 * parameters are refused with every problem listed, and the counts per time bucket add up, in round bucket widths.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { integerParam, matches, parseQuery } from './query.js';
import { chooseBuckets, countSeries } from './series.js';
import { AlertStore, type StoredAlert } from './store.js';
import { records } from './test-support.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function sample(): StoredAlert[] {
  const store = new AlertStore({ maxAlerts: 100, maxBytes: 1 << 20 });
  store.add(records([
    { cluster: 'prod', priority: 'Critical', rule: 'Exec Into Pod', time: at(0), output: 'exec by Alice into nginx' },
    { cluster: 'prod', priority: 'Warning', rule: 'Secret Read', time: at(1), output: 'secret read by bob' },
    { cluster: 'dev', priority: 'Notice', rule: 'Secret Read', time: at(2), output: 'secret read by carol' },
    { cluster: 'dev', priority: 'Debug', rule: 'Catch All', time: at(3), output: 'anything' },
    { cluster: undefined, priority: 'Error', rule: 'Exec Into Pod', time: at(10), output: 'exec by dave' },
  ]));
  return [...store.newestFirst()].reverse();
}

function select(query: string): string[] {
  const parsed = parseQuery(new URLSearchParams(query));
  assert.ok(parsed.ok, `${query}: ${parsed.ok ? '' : parsed.problems.join('; ')}`);
  return sample().filter((a) => matches(parsed.query, a)).map((a) => a.output);
}

test('each filter narrows; repeated values are any-of; all filters together are all-of', () => {
  assert.equal(select('').length, 5);
  assert.deepEqual(select('cluster=dev'), ['secret read by carol', 'anything']);
  assert.deepEqual(select('cluster=dev&cluster=prod').length, 4);
  assert.deepEqual(select('cluster='), ['exec by dave'], 'an empty cluster selects alerts without one');
  assert.deepEqual(select('rule=Secret%20Read'), ['secret read by bob', 'secret read by carol']);
  assert.deepEqual(select('rule=Secret'), [], 'rule names are exact');
  assert.deepEqual(select('priority=warning&priority=DEBUG'), ['secret read by bob', 'anything']);
  assert.deepEqual(select('minPriority=error'), ['exec by Alice into nginx', 'exec by dave']);
  assert.deepEqual(select('minPriority=info'), select('').filter((o) => o !== 'anything'));
  assert.deepEqual(select(`since=${at(1)}&until=${at(3)}`), ['secret read by bob', 'secret read by carol'], '[since, until)');
  assert.deepEqual(select(`since=${T0 + 10 * 60_000}`), ['exec by dave'], 'milliseconds since the epoch');
  assert.deepEqual(select('q=ALICE'), ['exec by Alice into nginx'], 'case-insensitive text in the output');
  assert.deepEqual(select('cluster=prod&q=secret&minPriority=warning'), ['secret read by bob']);
});

test('bad and unknown parameters: refused, every problem listed', () => {
  const parsed = parseQuery(new URLSearchParams('priority=loud&minPriority=x&since=yesterday&until=2026-13-45T00:00:00Z&clustr=a&limit=5'));
  assert.ok(!parsed.ok);
  assert.deepEqual(parsed.problems, [
    "unknown parameter 'clustr'",
    "unknown parameter 'limit'",
    "priority: 'loud' is not a Falco priority",
    "minPriority: 'x' is not a Falco priority",
    'since: expected an RFC 3339 time or milliseconds since the epoch',
    'until: expected an RFC 3339 time or milliseconds since the epoch',
  ]);
  const long = parseQuery(new URLSearchParams(`q=${'x'.repeat(2000)}`));
  assert.ok(!long.ok && /longer than 1024/.test(long.problems[0]!));
});

test("an endpoint's own parameters", () => {
  const limit = { limit: integerParam(1, 100, 20) };
  const ok = parseQuery(new URLSearchParams('limit=7&cluster=a'), limit);
  assert.ok(ok.ok);
  assert.equal(ok.extra.limit, 7);
  const fallback = parseQuery(new URLSearchParams(''), limit);
  assert.ok(fallback.ok && fallback.extra.limit === 20);
  for (const bad of ['0', '101', '-1', '1.5', 'ten']) {
    const parsed = parseQuery(new URLSearchParams(`limit=${bad}`), limit);
    assert.ok(!parsed.ok, bad);
    assert.deepEqual(parsed.problems, ['limit: expected an integer from 1 to 100']);
  }
});

test('buckets: the smallest round width that fits, aligned to it, never more than asked', () => {
  assert.deepEqual(chooseBuckets(T0, T0, 60), { from: T0, bucketMs: 1000, count: 1 });
  assert.deepEqual(chooseBuckets(T0 + 500, T0 + 59_000, 60), { from: T0, bucketMs: 1000, count: 60 });
  assert.deepEqual(chooseBuckets(T0, T0 + 60_000, 60), { from: T0, bucketMs: 2000, count: 31 });
  assert.deepEqual(chooseBuckets(T0 + 1, T0 + 3600_000, 60), { from: T0, bucketMs: 120_000, count: 31 }, 'an hour and an instant: 1 min would make 61');
  const decades = chooseBuckets(0, 50 * 365 * 24 * 3600_000, 60);
  assert.ok(decades.count <= 60 && decades.bucketMs % (365 * 24 * 3600_000) === 0, 'years beyond the table');
  const ages = chooseBuckets(0, 8.64e15, 3);
  assert.ok(ages.count <= 3, 'any span ends in a bounded number');
});

test('counts per bucket, by priority and by rule, over the span of the matching alerts or the asked range', () => {
  const alerts = sample();
  const all = parseQuery(new URLSearchParams(''));
  assert.ok(all.ok);
  const series = countSeries(alerts, all.query, 60, T0 + 3600_000);
  assert.equal(series.bucketMs, 15_000, '10 minutes in at most 60 buckets: 10 s would make 61');
  assert.equal(series.from, T0);
  assert.equal(series.total, 5);
  assert.equal(series.buckets.reduce((n, b) => n + b.total, 0), 5);
  assert.equal(series.buckets.length, 41);
  assert.deepEqual(JSON.parse(JSON.stringify(series.buckets[0])), { start: T0, total: 1, byPriority: { Critical: 1 }, byRule: { 'Exec Into Pod': 1 } });
  assert.deepEqual({ ...series.byRule }, { 'Exec Into Pod': 2, 'Secret Read': 2, 'Catch All': 1 });
  assert.deepEqual({ ...series.byPriority }, { Critical: 1, Warning: 1, Notice: 1, Debug: 1, Error: 1 });

  const recent = parseQuery(new URLSearchParams(`since=${at(2)}`));
  assert.ok(recent.ok);
  const open = countSeries(alerts, recent.query, 10, T0 + 20 * 60_000);
  assert.equal(open.from, T0 + 2 * 60_000, 'from since');
  assert.ok(open.to! >= T0 + 20 * 60_000, 'to now');
  assert.equal(open.bucketMs, 2 * 60_000);
  assert.equal(open.total, 3);

  const none = parseQuery(new URLSearchParams('cluster=nowhere'));
  assert.ok(none.ok);
  assert.deepEqual(countSeries(alerts, none.query, 60, T0).buckets, []);
});
