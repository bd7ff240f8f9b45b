import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEADER_CLUSTER, type ReceivedMessage } from '@peregrine/kafka';
import { alertToJson } from '@peregrine/rule-engine';
import { parseAlertMessage } from './parse.js';
import { EVT_TIME, makeAlert } from './test-support.js';

function message(value: string, headers: Record<string, string> = {}): ReceivedMessage {
  return { topic: 'alerts', partition: 0, offset: '7', key: 'k', value: Buffer.from(value), headers };
}

test('an alert keeps its exact JSON text (nanosecond evt.time beyond 2^53 included)', () => {
  const json = alertToJson(makeAlert());
  const result = parseAlertMessage(message(json));
  assert.ok(result.ok);
  assert.equal(result.record.json, json);
  assert.ok(result.record.json.includes(`"evt.time":${EVT_TIME}`));
  assert.equal(result.record.alert.rule, 'Create Privileged Pod');
  assert.equal(result.record.cluster, 'prod');
});

test('pretty-printed JSON becomes one line; priority is canonicalised in the parsed alert only', () => {
  const text = JSON.stringify({ ...JSON.parse(alertToJson(makeAlert())), priority: 'WARNING', output: 'a\nb' }, null, 2);
  const result = parseAlertMessage(message(text));
  assert.ok(result.ok);
  assert.ok(!/[\r\n]/.test(result.record.json));
  assert.equal(JSON.parse(result.record.json).output, 'a\nb');
  assert.equal(result.record.alert.priority, 'Warning');
});

test('the cluster header stands in for a missing cluster key', () => {
  const { cluster: _c, ...rest } = JSON.parse(alertToJson(makeAlert())) as Record<string, unknown>;
  const result = parseAlertMessage(message(JSON.stringify(rest), { [HEADER_CLUSTER]: 'edge' }));
  assert.ok(result.ok);
  assert.equal(result.record.cluster, 'edge');
});

test('what is not a valid alert is a result, never an exception', () => {
  const good = JSON.parse(alertToJson(makeAlert())) as Record<string, unknown>;
  const cases: [string, string][] = [
    ['not json at all', 'not JSON'],
    ['[1,2]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    [JSON.stringify({ ...good, rule: '' }), 'rule'],
    [JSON.stringify({ ...good, priority: 'Severe' }), 'priority'],
    [JSON.stringify({ ...good, time: 'yesterday' }), 'time'],
    [JSON.stringify({ ...good, output_fields: {} }), 'output_fields'],
    [JSON.stringify({ ...good, tags: 'k8s' }), 'tags'],
    [JSON.stringify({ ...good, cluster: 3 }), 'cluster'],
  ];
  for (const [value, reason] of cases) {
    const result = parseAlertMessage(message(value));
    assert.ok(!result.ok, value);
    assert.match(result.reason, new RegExp(reason), value);
  }
});
