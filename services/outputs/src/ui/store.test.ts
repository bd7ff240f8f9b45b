/**
 * The UI's store: bounded by count and by bytes (oldest out first), one entry per alert id however often a batch is
 * redelivered, contiguous sequence numbers for stream cursors, live counts, and the exact alert text kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alertToJson } from '@peregrine/rule-engine';
import { EVT_TIME } from '../test-support.js';
import { AlertStore } from './store.js';
import { makeAlert, recordOf, records } from './test-support.js';

test('keeps the newest maxAlerts, oldest out first, with contiguous sequence numbers', () => {
  const store = new AlertStore({ maxAlerts: 5, maxBytes: 1 << 20 });
  assert.equal(store.firstSeq, 1);
  assert.equal(store.lastSeq, 0);
  assert.deepEqual(store.after(0, 10), []);
  const alerts = Array.from({ length: 12 }, () => makeAlert());
  for (let i = 0; i < alerts.length; i += 3) store.add(alerts.slice(i, i + 3).map(recordOf));
  assert.equal(store.size, 5);
  assert.equal(store.firstSeq, 8);
  assert.equal(store.lastSeq, 12);
  assert.deepEqual([...store.newestFirst()].map((a) => a.id), alerts.slice(7).reverse().map((a) => a.id));
  assert.deepEqual(store.after(9, 2).map((a) => a.seq), [10, 11]);
  assert.deepEqual(store.after(0, 100).map((a) => a.seq), [8, 9, 10, 11, 12], 'evicted ones are skipped');
  assert.equal(store.at(7), undefined);
  assert.equal(store.at(13), undefined);
  assert.equal(store.at(8)!.id, alerts[7]!.id);
  const s = store.summary();
  assert.equal(s.received, 12);
  assert.equal(s.evicted, 7);
  assert.equal(s.stored, 5);
});

test('an id already held is not added again (a redelivered batch), but may come back once evicted', () => {
  const store = new AlertStore({ maxAlerts: 3, maxBytes: 1 << 20 });
  const [a, b, c, d] = Array.from({ length: 4 }, () => makeAlert());
  assert.equal(store.add([a!, b!].map(recordOf)), 2);
  assert.equal(store.add([a!, b!, c!].map(recordOf)), 1, 'only c is new');
  assert.equal(store.size, 3);
  store.add([recordOf(d!)]); // evicts a
  assert.equal(store.add([recordOf(a!)]), 1, 'a was evicted: it is new again');
  assert.deepEqual([...store.newestFirst()].map((x) => x.id), [a!.id, d!.id, c!.id]);
});

test('bounded by bytes: large alerts push out old ones; one larger than the bound alone is not kept', () => {
  const store = new AlertStore({ maxAlerts: 1000, maxBytes: 64 * 1024 });
  const big = (n: number) => makeAlert({ output: 'x'.repeat(n) });
  for (let i = 0; i < 20; i++) store.add([recordOf(big(4000))]);
  const s = store.summary();
  assert.ok(s.bytes <= 64 * 1024, `${s.bytes} bytes held`);
  assert.ok(s.stored >= 3 && s.stored < 20, `${s.stored} kept`);
  assert.equal(s.evicted, 20 - s.stored);
  assert.equal(store.add([recordOf(big(40_000))]), 0);
  assert.equal(store.summary().oversize, 1);
  assert.equal(store.summary().stored, s.stored, 'an oversize alert evicts nothing');
});

test('counts by priority, rule and cluster follow additions and evictions', () => {
  const store = new AlertStore({ maxAlerts: 3, maxBytes: 1 << 20 });
  store.add(records([
    { priority: 'Critical', rule: 'A', cluster: 'prod' },
    { priority: 'Warning', rule: 'B', cluster: 'prod' },
    { priority: 'Warning', rule: 'B', cluster: 'dev' },
  ]));
  assert.deepEqual(store.summary().byPriority, { Critical: 1, Warning: 2 });
  assert.deepEqual(store.summary().byRule, { A: 1, B: 2 });
  assert.deepEqual(store.summary().byCluster, { prod: 2, dev: 1 });
  store.add(records([{ priority: 'Notice', rule: '__proto__', cluster: undefined }]));
  const s = store.summary();
  assert.deepEqual(s.byPriority, { Warning: 2, Notice: 1 }, 'the Critical one was evicted');
  assert.deepEqual(Object.entries(s.byRule), [['B', 2], ['__proto__', 1]]);
  assert.deepEqual(s.byCluster, { prod: 1, dev: 1, '': 1 }, 'no cluster at all: the empty name');
});

test('keeps the producer\'s text (exact evt.time digits) and the fields the filters read', () => {
  const store = new AlertStore({ maxAlerts: 10, maxBytes: 1 << 20, now: () => 1_700_000_000_000 });
  const alert = makeAlert({ time: '2026-03-02T09:15:38.623865123Z', priority: 'Error' });
  store.add([recordOf(alert)]);
  const entry = store.at(1)!;
  assert.equal(entry.json, alertToJson(alert));
  assert.ok(entry.json.includes(`"evt.time":${EVT_TIME}`));
  assert.equal(entry.timeMs, Date.parse('2026-03-02T09:15:38.623Z'));
  assert.equal(entry.receivedMs, 1_700_000_000_000);
  assert.equal(entry.priority, 'Error');
  assert.equal(entry.cluster, 'prod');
});

test('listeners hear of each add that added something, once, and can unsubscribe', () => {
  const store = new AlertStore({ maxAlerts: 10, maxBytes: 1 << 20 });
  let heard = 0;
  const off = store.onAdded(() => heard++);
  const a = makeAlert();
  store.add([recordOf(a), recordOf(makeAlert())]);
  store.add([recordOf(a)]);
  assert.equal(heard, 1, 'a batch is one notification; a batch of duplicates is none');
  off();
  store.add([recordOf(makeAlert())]);
  assert.equal(heard, 1);
});

test('two stores (two processes) have different instances', () => {
  const a = new AlertStore({ maxAlerts: 1, maxBytes: 1 << 20 });
  const b = new AlertStore({ maxAlerts: 1, maxBytes: 1 << 20 });
  assert.match(a.instance, /^[0-9a-f]{12}$/);
  assert.notEqual(a.instance, b.instance);
});
