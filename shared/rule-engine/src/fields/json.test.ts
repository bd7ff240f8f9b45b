import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEvent } from '../event.js';
import { jsonText, member, pointerTokens, resolvePointer } from './json.js';
import { lookupField } from './registry.js';
import { FieldArgError, type FieldValue } from './types.js';

const json = {
  kind: 'Event',
  auditID: 'a-1',
  stage: 'ResponseComplete',
  user: { username: 'alice', groups: ['system:authenticated', 'devs'] },
  responseStatus: { code: 201, metadata: {} },
  annotations: { 'a/b': 'slash', 'm~n': 'tilde', '~1': 'escaped twice', '': 'empty key' },
  requestObject: { spec: { containers: [{ name: 'app', image: 'nginx' }], hostNetwork: true, nodeName: null } },
};
const ev: AuditEvent = { json, timeNs: 1_540_476_552_581_541_000n };

function value(arg: string | undefined, on: AuditEvent = ev): FieldValue {
  const field = lookupField('jevt.value');
  assert.ok(field);
  return field.compile(arg)(on);
}

test('jevt.value reads strings raw and other values as compact JSON', () => {
  assert.equal(value('/stage'), 'ResponseComplete');
  assert.equal(value('/user/username'), 'alice');
  assert.equal(value('/responseStatus/code'), '201');
  assert.equal(value('/requestObject/spec/hostNetwork'), 'true');
  assert.equal(value('/requestObject/spec/nodeName'), 'null');
  assert.equal(value('/responseStatus'), '{"code":201,"metadata":{}}');
  assert.equal(value('/user/groups'), '["system:authenticated","devs"]');
});

test('jevt.value walks arrays by decimal index', () => {
  assert.equal(value('/user/groups/1'), 'devs');
  assert.equal(value('/requestObject/spec/containers/0/image'), 'nginx');
  assert.equal(value('/requestObject/spec/containers/00/name'), 'app');
  assert.equal(value('/user/groups/2'), undefined);
  assert.equal(value('/user/groups/-1'), undefined);
  assert.equal(value('/user/groups/first'), undefined);
});

test('jevt.value unescapes ~1 then ~0 in pointer tokens', () => {
  assert.equal(value('/annotations/a~1b'), 'slash');
  assert.equal(value('/annotations/m~0n'), 'tilde');
  assert.equal(value('/annotations/~01'), 'escaped twice');
  assert.equal(value('/annotations/'), 'empty key');
});

test('jevt.value is not available on a missing path', () => {
  assert.equal(value('/impersonatedUser/username'), undefined);
  assert.equal(value('/stage/deeper'), undefined);
  assert.equal(value('/constructor'), undefined);
  assert.equal(value('/user/__proto__'), undefined);
  assert.equal(value('/user/groups/length'), undefined);
});

test('jevt.value without a leading slash, and without an argument', () => {
  assert.equal(value('stage'), 'ResponseComplete');
  assert.equal(value(undefined), JSON.stringify(json));
  assert.equal(value(''), JSON.stringify(json));
});

test('jevt.* do not need an auditID, and json.* are aliases', () => {
  const plain: AuditEvent = { json: { stage: 'Panic' }, timeNs: 5n };
  assert.equal(value('/stage', plain), 'Panic');
  for (const name of ['value', 'obj', 'rawtime']) {
    assert.equal(lookupField(`json.${name}`), lookupField(`jevt.${name}`));
  }
  assert.equal(lookupField('json.value')?.compile('/stage')(plain), 'Panic');
});

test('jevt.obj is the event indented by two spaces', () => {
  const small: AuditEvent = { json: { auditID: 'x', user: { groups: ['a'] }, empty: {}, none: [] }, timeNs: 0n };
  const expected = '{\n  "auditID": "x",\n  "user": {\n    "groups": [\n      "a"\n    ]\n  },\n  "empty": {},\n  "none": []\n}';
  assert.equal(lookupField('jevt.obj')?.compile(undefined)(small), expected);
});

test('jevt.rawtime is the event time in ns, as an abstime', () => {
  const field = lookupField('jevt.rawtime');
  assert.equal(field?.type, 'abstime');
  assert.equal(field?.compile(undefined)(ev), '1540476552581541000');
  assert.equal(field?.compile(undefined)({ json: {}, timeNs: 0n }), '0');
});

test('argument errors', () => {
  assert.throws(() => lookupField('jevt.obj')?.compile('/x'), FieldArgError);
  assert.throws(() => lookupField('jevt.rawtime')?.compile(''), FieldArgError);
  assert.doesNotThrow(() => lookupField('jevt.value')?.compile(undefined));
});

test('extractors never throw on values too deep to serialize', () => {
  let deep: unknown = [];
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const hostile: AuditEvent = { json: { deep }, timeNs: 0n };
  assert.equal(lookupField('jevt.obj')?.compile(undefined)(hostile), undefined);
  assert.equal(value(undefined, hostile), undefined);
  assert.equal(value('/deep', hostile), undefined);
  assert.equal(value('/deep/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/1', hostile), undefined);
});

test('pointerTokens and resolvePointer', () => {
  assert.deepEqual(pointerTokens('/a~1b/c~0d/~01'), ['a/b', 'c~d', '~1']);
  assert.deepEqual(pointerTokens('/'), ['']);
  assert.deepEqual(pointerTokens('a/b'), ['a', 'b']);
  assert.equal(resolvePointer({ a: [{ b: 1 }] }, ['a', '0', 'b']), 1);
  assert.equal(resolvePointer({ a: [{ b: 1 }] }, ['a', '1', 'b']), undefined);
  assert.deepEqual(resolvePointer({ a: 1 }, []), { a: 1 });
});

test('member and jsonText', () => {
  assert.equal(member({ a: 1 }, 'a'), 1);
  assert.equal(member({ a: 1 }, 'toString'), undefined);
  assert.equal(member([1], '0'), undefined);
  assert.equal(member('text', 'length'), undefined);
  assert.equal(member(null, 'a'), undefined);
  assert.equal(jsonText('raw "text"'), 'raw "text"');
  assert.equal(jsonText(1.5), '1.5');
  assert.equal(jsonText(null), 'null');
  assert.equal(jsonText({ a: ['x', true] }), '{"a":["x",true]}');
});
