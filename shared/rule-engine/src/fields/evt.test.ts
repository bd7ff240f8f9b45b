import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEvent } from '../event.js';
import { evtFields, formatTimeIso, formatTimeOfDay } from './evt.js';
import { lookupField } from './registry.js';
import { FieldArgError, type FieldValue } from './types.js';

/** 2018-10-25T14:09:12.581541Z, the stageTimestamp of create_nginx_pod_privileged.json. */
const ev: AuditEvent = { json: {}, timeNs: 1_540_476_552_581_541_000n };

function evt(name: string, on: AuditEvent = ev): FieldValue {
  const field = lookupField(name);
  assert.ok(field, name);
  return field.compile(undefined)(on);
}

test('evt.* values (UTC)', () => {
  const expected: Record<string, string> = {
    'evt.time': '14:09:12.581541000',
    'evt.time.s': '14:09:12',
    'evt.time.iso8601': '2018-10-25T14:09:12.581541000Z',
    'evt.datetime': '2018-10-25 14:09:12.581541000',
    'evt.datetime.s': '2018-10-25 14:09:12',
    'evt.rawtime': '1540476552581541000',
    'evt.rawtime.s': '1540476552',
    'evt.rawtime.ns': '581541000',
    'evt.source': 'k8s_audit',
    'evt.pluginname': 'k8saudit',
  };
  assert.deepEqual(evtFields.map((field) => field.name), Object.keys(expected));
  for (const [name, want] of Object.entries(expected)) assert.equal(evt(name), want, name);
});

test('evt.* field types', () => {
  const types = Object.fromEntries(evtFields.map((field) => [field.name, field.type]));
  assert.equal(types['evt.rawtime'], 'abstime');
  assert.equal(types['evt.rawtime.s'], 'uint64');
  assert.equal(types['evt.rawtime.ns'], 'uint64');
  assert.equal(types['evt.time'], 'string');
  assert.ok(evtFields.every((field) => !field.isList && field.arg === 'none'));
});

test('evt.* are available on any event, with or without auditID', () => {
  assert.equal(evt('evt.source', { json: { auditID: 'x' }, timeNs: 0n }), 'k8s_audit');
  assert.equal(evt('evt.time', { json: {}, timeNs: 0n }), '00:00:00.000000000');
});

test('formatTimeIso always prints 9 fraction digits', () => {
  assert.equal(formatTimeIso(0n), '1970-01-01T00:00:00.000000000Z');
  assert.equal(formatTimeIso(5n), '1970-01-01T00:00:00.000000005Z');
  assert.equal(formatTimeIso(1_540_476_552_000_000_000n), '2018-10-25T14:09:12.000000000Z');
  assert.equal(formatTimeIso(951_782_400_123_456_789n), '2000-02-29T00:00:00.123456789Z');
});

test('times before 1970 and before year 1000 format correctly', () => {
  assert.equal(formatTimeIso(-1n), '1969-12-31T23:59:59.999999999Z');
  assert.equal(formatTimeOfDay(-1_000_000_000n), '23:59:59.000000000');
  assert.equal(formatTimeIso(-62_135_596_800_000_000_000n), '0001-01-01T00:00:00.000000000Z');
  assert.equal(evt('evt.rawtime.s', { json: {}, timeNs: -1n }), '-1');
  assert.equal(evt('evt.rawtime.ns', { json: {}, timeNs: -1n }), '999999999');
});

test('formatTimeOfDay', () => {
  assert.equal(formatTimeOfDay(ev.timeNs), '14:09:12.581541000');
  assert.equal(formatTimeOfDay(86_399_999_999_999n), '23:59:59.999999999');
});

test('evt.* take no argument', () => {
  for (const field of evtFields) {
    assert.throws(() => field.compile(''), FieldArgError, field.name);
    assert.throws(() => field.compile('0'), FieldArgError, field.name);
  }
});
