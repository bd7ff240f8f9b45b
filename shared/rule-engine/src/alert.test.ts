/**
 * Alerts in Falco's JSON shape (reference 5.1): sorted keys, the text line, output_fields with an exact `evt.time`,
 * the ISO time with 9 fraction digits, sorted unique tags, and the deterministic id.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Alert, alertToJson, alertToText, buildAlert } from './alert.js';
import type { AuditEvent } from './event.js';
import { loadRules } from './index.js';
import type { CompiledRule } from './runtime/ruleset.js';

/** 2018-10-25T14:09:12.581541001Z: not a multiple of 2^something, so a double cannot hold it. */
const TIME_NS = 1_540_476_552_581_541_001n;

function event(fields: Record<string, unknown> = {}, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    json: {
      kind: 'Event', auditID: 'aud-1', stage: 'ResponseComplete', verb: 'create',
      user: { username: 'alice', groups: ['devs', 'admins'] },
      objectRef: { resource: 'pods', namespace: 'default', name: 'nginx' },
      ...fields,
    },
    timeNs: TIME_NS,
    ...extra,
  };
}

function rules(output: string, tags = '[k8s, b, a, b]'): CompiledRule[] {
  const text = ['First', 'Second'].map((name) => `- rule: ${name}
  desc: d
  condition: ka.verb = create
  output: '${output}'
  priority: WARNING
  source: k8s_audit
  tags: ${tags}
`).join('');
  const r = loadRules([{ path: 'rules.yaml', text }]);
  assert.deepEqual(r.errors, []);
  return [...r.ruleset!.rules];
}

const [first, second] = rules('Pod %ka.target.name by %ka.user.name in %ka.target.subresource groups=%ka.user.groups') as
  [CompiledRule, CompiledRule];

function alert(rule: CompiledRule = first, ev: AuditEvent = event(), defaultCluster?: string): Alert {
  return buildAlert({ rule, event: ev }, defaultCluster === undefined ? { hostname: 'peregrine-0' } : { hostname: 'peregrine-0', defaultCluster });
}

describe('shape', () => {
  test('keys are sorted, as Falco prints them', () => {
    const a = alert();
    assert.deepEqual(Object.keys(a), [...Object.keys(a)].sort());
    assert.deepEqual(Object.keys(a), ['cluster', 'hostname', 'id', 'output', 'output_fields', 'priority', 'rule', 'source', 'tags', 'time']);
    assert.deepEqual(Object.keys(a.output_fields), [...Object.keys(a.output_fields)].sort());
    const parsed = JSON.parse(alertToJson(a)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), Object.keys(a));
    assert.deepEqual(Object.keys(parsed['output_fields'] as object), Object.keys(a.output_fields));
  });

  test('values', () => {
    const a = alert();
    assert.equal(a.hostname, 'peregrine-0');
    assert.equal(a.rule, 'First');
    assert.equal(a.priority, 'Warning');
    assert.equal(a.source, 'k8s_audit');
    assert.equal(a.cluster, 'default');
    assert.equal(a.output, '14:09:12.581541001: Warning Pod nginx by alice in <NA> groups=(devs,admins)');
    assert.equal(alertToText(a), a.output);
  });

  test('output_fields: every field of the output plus evt.time; null for missing, arrays for lists', () => {
    const a = alert();
    assert.deepEqual(a.output_fields, {
      'evt.time': TIME_NS,
      'ka.target.name': 'nginx',
      'ka.target.subresource': null,
      'ka.user.groups': ['devs', 'admins'],
      'ka.user.name': 'alice',
    });
    const parsed = JSON.parse(alertToJson(a)) as { output_fields: Record<string, unknown> };
    assert.equal(parsed.output_fields['ka.target.subresource'], null);
    assert.deepEqual(parsed.output_fields['ka.user.groups'], ['devs', 'admins']);
  });

  test('tags are sorted and unique', () => {
    assert.deepEqual(alert().tags, ['a', 'b', 'k8s']);
    const [untagged] = rules('x', '[]');
    assert.deepEqual(alert(untagged).tags, []);
  });
});

describe('time', () => {
  test('evt.time is an exact integer in the JSON, beyond 2^53', () => {
    const json = alertToJson(alert());
    assert.ok(json.includes('"evt.time":1540476552581541001'), json);
    assert.notEqual(Number(TIME_NS).toString(), TIME_NS.toString(), 'the test value is not a safe double');
    assert.equal(json.includes('\\u0000'), false);
  });

  test('time is ISO 8601 UTC with 9 fraction digits', () => {
    assert.equal(alert().time, '2018-10-25T14:09:12.581541001Z');
    const whole = alert(first, event({}, { timeNs: 1_540_476_552_000_000_000n }));
    assert.equal(whole.time, '2018-10-25T14:09:12.000000000Z');
    assert.ok(whole.output.startsWith('14:09:12.000000000: Warning '));
    const half = alert(first, event({}, { timeNs: 500_000_000n }));
    assert.equal(half.time, '1970-01-01T00:00:00.500000000Z');
    assert.match(alert().time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
  });

  test('evt.time stays the integer when the rule output prints %evt.time too', () => {
    const [withTime] = rules('at %evt.time by %ka.user.name');
    const a = alert(withTime);
    assert.equal(a.output_fields['evt.time'], TIME_NS);
    assert.ok(alertToJson(a).includes('"evt.time":1540476552581541001'));
  });
});

describe('id', () => {
  test('the same event and rule always give the same id', () => {
    assert.equal(alert().id, alert().id);
    assert.equal(alert(first, event({ verb: 'create', extra: 'ignored' })).id, alert().id, 'only auditID and stage count');
    assert.match(alert().id, /^[0-9a-f]{32}$/);
  });

  test('a different rule, cluster, auditID or stage gives a different id', () => {
    const id = alert().id;
    assert.notEqual(alert(second).id, id);
    assert.notEqual(alert(first, event(), 'prod').id, id);
    assert.notEqual(alert(first, event({}, { cluster: 'prod' })).id, id);
    assert.notEqual(alert(first, event({ auditID: 'aud-2' })).id, id);
    assert.notEqual(alert(first, event({ stage: 'ResponseStarted' })).id, id);
  });

  test('the event cluster wins over the default cluster', () => {
    const a = alert(first, event({}, { cluster: 'prod' }), 'fallback');
    assert.equal(a.cluster, 'prod');
    assert.equal(a.id, alert(first, event({}, { cluster: 'prod' })).id);
    assert.equal(alert(first, event(), 'fallback').cluster, 'fallback');
  });

  test('without an auditID the whole event identifies it', () => {
    const anon = (verb: string) => event({ auditID: undefined, verb });
    assert.equal(alert(first, anon('create')).id, alert(first, anon('create')).id);
    assert.notEqual(alert(first, anon('create')).id, alert(first, anon('delete')).id);
  });
});

describe('JSON', () => {
  test('is one line and parses back to the alert', () => {
    const a = alert();
    const json = alertToJson(a);
    assert.equal(json.includes('\n'), false);
    const parsed = JSON.parse(json) as Record<string, unknown>;
    assert.deepEqual({ ...parsed, output_fields: undefined }, { ...a, output_fields: undefined });
  });

  test('text that looks like the bigint marker stays text', () => {
    const a = alert(first, event({ user: { username: '\u0000big:5', groups: ['g'] } }));
    const parsed = JSON.parse(alertToJson(a)) as { output_fields: Record<string, unknown> };
    assert.equal(parsed.output_fields['ka.user.name'], '\u0000big:5');
  });

  test('special characters are escaped', () => {
    const a = alert(first, event({ user: { username: 'a"b\\c\nd', groups: ['g'] } }));
    const parsed = JSON.parse(alertToJson(a)) as { output_fields: Record<string, unknown>; output: string };
    assert.equal(parsed.output_fields['ka.user.name'], 'a"b\\c\nd');
    assert.ok(parsed.output.includes('a"b\\c\nd'));
  });
});
