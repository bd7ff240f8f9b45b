import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAuditPayload, parseRfc3339Nano } from './decode.js';

function auditEvent(auditID: string, stageTimestamp?: unknown): Record<string, unknown> {
  const json: Record<string, unknown> = { kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID, verb: 'get' };
  if (stageTimestamp !== undefined) json['stageTimestamp'] = stageTimestamp;
  return json;
}

const T1 = '2018-10-25T14:09:12.581541Z';
const T1_NS = 1_540_476_552_581_541_000n;

test('a single Event', () => {
  const single = auditEvent('a', T1);
  const { events, errors } = decodeAuditPayload(JSON.stringify(single));
  assert.deepEqual(errors, []);
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]?.json, single);
  assert.equal(events[0]?.timeNs, T1_NS);
  assert.equal(events[0]?.cluster, undefined);
});

test('an EventList yields each of its items, in order', () => {
  const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [auditEvent('a', T1), auditEvent('b', T1)] };
  const { events, errors } = decodeAuditPayload(JSON.stringify(list), 'prod-eu');
  assert.deepEqual(errors, []);
  assert.deepEqual(events.map((ev) => ev.json['auditID']), ['a', 'b']);
  assert.deepEqual(events.map((ev) => ev.cluster), ['prod-eu', 'prod-eu']);
});

test('an array of Events and EventLists, nested, is flattened in order', () => {
  const payload = [auditEvent('a', T1), { kind: 'EventList', items: [auditEvent('b', T1)] }, [[auditEvent('c', T1)]]];
  const { events, errors } = decodeAuditPayload(JSON.stringify(payload));
  assert.deepEqual(errors, []);
  assert.deepEqual(events.map((ev) => ev.json['auditID']), ['a', 'b', 'c']);
  assert.deepEqual(decodeAuditPayload('[]'), { events: [], errors: [] });
});

test('anything else rejects the whole payload', () => {
  const rejected = { events: [], errors: ['data not recognized as a k8s audit event'] };
  for (const payload of [
    '{"kind": 0}',
    '{"kind": "Pod"}',
    '{"apiVersion": "audit.k8s.io/v1"}',
    '{"kind": "EventList", "items": {}}',
    '{"kind": "EventList"}',
    '"Event"',
    '42',
    'null',
    JSON.stringify([auditEvent('a', T1), { kind: 'Status' }]),
  ]) {
    assert.deepEqual(decodeAuditPayload(payload), rejected, payload);
  }
});

test('every event has the same members in the same order, with or without a cluster', () => {
  // The rules' reads stay monomorphic only while every event shares one object shape (decode.ts, toAuditEvent).
  const text = JSON.stringify(auditEvent('a', T1));
  const events = [
    ...decodeAuditPayload(text).events,
    ...decodeAuditPayload(text, 'prod').events,
    ...decodeAuditPayload(`[${text},${text}]`, 'prod').events,
  ];
  assert.equal(events.length, 4);
  for (const event of events) assert.deepEqual(Object.keys(event), ['json', 'timeNs', 'cluster', 'complete', 'slots']);
});

test('invalid JSON', () => {
  for (const payload of ['', '{', '{"kind": "Event",}', 'kind=Event']) {
    const { events, errors } = decodeAuditPayload(payload);
    assert.deepEqual(events, []);
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /^invalid JSON: /);
  }
});

test('an event without stageTimestamp is dropped, the others are kept', () => {
  const list = { kind: 'EventList', items: [auditEvent('a', T1), auditEvent('b'), auditEvent('c', T1), 'junk'] };
  const { events, errors } = decodeAuditPayload(JSON.stringify(list));
  assert.deepEqual(events.map((ev) => ev.json['auditID']), ['a', 'c']);
  assert.deepEqual(errors, ["can't read stageTimestamp", "can't read stageTimestamp"]);
  assert.deepEqual(decodeAuditPayload(JSON.stringify(auditEvent('d'))), { events: [], errors: ["can't read stageTimestamp"] });
});

test('an event with an invalid stageTimestamp is dropped', () => {
  const { events, errors } = decodeAuditPayload(JSON.stringify([auditEvent('a', 'yesterday'), auditEvent('b', 17), auditEvent('c', T1)]));
  assert.deepEqual(events.map((ev) => ev.json['auditID']), ['c']);
  assert.equal(errors.length, 2);
  assert.match(errors[0] ?? '', /stageTimestamp "yesterday"/);
  assert.match(errors[1] ?? '', /stageTimestamp 17/);
});

test('a huge EventList decodes', () => {
  const items = Array.from({ length: 300_000 }, (_, i) => ({ stageTimestamp: T1, auditID: String(i) }));
  const { events, errors } = decodeAuditPayload(JSON.stringify({ kind: 'EventList', items }));
  assert.deepEqual(errors, []);
  assert.equal(events.length, 300_000);
  assert.equal(events[299_999]?.json['auditID'], '299999');
});

test('a hostile nesting depth neither throws nor overflows', () => {
  const depth = 200_000;
  const { events, errors } = decodeAuditPayload('['.repeat(depth) + JSON.stringify(auditEvent('deep', T1)) + ']'.repeat(depth));
  assert.deepEqual(errors, []);
  assert.equal(events.length, 1);
});

test('parseRfc3339Nano keeps every nanosecond', () => {
  assert.equal(parseRfc3339Nano('2018-10-25T14:09:12.581541Z'), 1_540_476_552_581_541_000n);
  assert.equal(parseRfc3339Nano('2018-10-25T14:09:12Z'), 1_540_476_552_000_000_000n);
  assert.equal(parseRfc3339Nano('2018-10-25T14:09:12.5Z'), 1_540_476_552_500_000_000n);
  assert.equal(parseRfc3339Nano('2018-10-25T14:09:12.123456789Z'), 1_540_476_552_123_456_789n);
  assert.equal(parseRfc3339Nano('2262-04-11T23:47:16.854775807Z'), 9_223_372_036_854_775_807n);
  assert.equal(parseRfc3339Nano('1970-01-01T00:00:00Z'), 0n);
  assert.equal(parseRfc3339Nano('1969-12-31T23:59:59.999999999Z'), -1n);
  assert.equal(parseRfc3339Nano('0001-01-01T00:00:00Z'), -62_135_596_800_000_000_000n);
});

test('parseRfc3339Nano applies offsets', () => {
  assert.equal(parseRfc3339Nano('2018-10-25T16:09:12.581541+02:00'), T1_NS);
  assert.equal(parseRfc3339Nano('2018-10-25T08:39:12.581541-05:30'), T1_NS);
  assert.equal(parseRfc3339Nano('2018-10-25T14:09:12.581541+00:00'), T1_NS);
  assert.equal(parseRfc3339Nano('2018-10-25T14:09:12.581541-00:00'), T1_NS);
});

test('parseRfc3339Nano validates the calendar', () => {
  assert.equal(parseRfc3339Nano('2000-02-29T00:00:00Z'), 951_782_400_000_000_000n);
  assert.equal(parseRfc3339Nano('2024-02-29T00:00:00Z'), 1_709_164_800_000_000_000n);
  for (const bad of [
    '1900-02-29T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2018-04-31T00:00:00Z',
    '2018-13-01T00:00:00Z',
    '2018-00-01T00:00:00Z',
    '2018-10-00T00:00:00Z',
    '2018-10-25T24:00:00Z',
    '2018-10-25T14:60:00Z',
    '2018-10-25T14:09:60Z',
    '2018-10-25T14:09:12+24:00',
    '2018-10-25T14:09:12+01:60',
  ]) {
    assert.equal(parseRfc3339Nano(bad), undefined, bad);
  }
});

test('parseRfc3339Nano rejects what is not RFC 3339', () => {
  for (const bad of [
    '',
    '2018-10-25',
    '2018-10-25T14:09:12',
    '2018-10-25 14:09:12Z',
    '2018-10-25t14:09:12Z',
    '2018-10-25T14:09:12z',
    '2018-10-25T14:09:12.Z',
    '2018-10-25T14:09:12.1234567890Z',
    '2018-10-25T14:09:12+0200',
    '2018-10-25T14:09:12+02',
    '18-10-25T14:09:12Z',
    '2018-1-25T14:09:12Z',
    ' 2018-10-25T14:09:12Z',
    '2018-10-25T14:09:12Z ',
    '2018-10-25T14:09:12.58154１Z',
    '2018-10-25T1a:09:12Z',
    '+018-10-25T14:09:12Z',
    '2018-10-25T14:09:12+02:0x',
    '2018-10-25T14:09:12.5+02:00Z',
    '2018-10-25T14:09:12.5ZZ',
  ]) {
    assert.equal(parseRfc3339Nano(bad), undefined, bad);
  }
});
