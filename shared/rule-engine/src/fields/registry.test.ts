import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evtFields } from './evt.js';
import { jsonFields } from './json.js';
import { k8sAuditFields } from './k8saudit.js';
import { allFields, isKnownFieldName, lookupField } from './registry.js';

test('allFields lists ka.*, then jevt.*, then evt.*, each field once', () => {
  const fields = allFields();
  assert.equal(fields.length, 113);
  assert.deepEqual(fields, [...k8sAuditFields, ...jsonFields, ...evtFields]);
  assert.ok(fields.slice(0, 100).every((field) => field.name.startsWith('ka.')));
  assert.deepEqual(
    fields.slice(100, 103).map((field) => field.name),
    ['jevt.value', 'jevt.obj', 'jevt.rawtime'],
  );
  assert.ok(fields.slice(103).every((field) => field.name.startsWith('evt.')));
  const names = fields.flatMap((field) => [field.name, ...(field.aliases ?? [])]);
  assert.equal(new Set(names).size, names.length);
  assert.equal(allFields(), fields, 'the same array every time');
});

test('the ka.* fields are the plugin 0.18.0 set: 100 strings, by arg kind 36 + 8 + 53 + 3', () => {
  const ka = allFields().filter((field) => field.name.startsWith('ka.'));
  assert.equal(ka.length, 100);
  assert.ok(ka.every((field) => field.type === 'string'));
  const count = (predicate: (field: (typeof ka)[number]) => boolean) => ka.filter(predicate).length;
  assert.equal(count((f) => !f.isList && f.arg === 'none'), 36);
  assert.equal(count((f) => f.isList && f.arg === 'none'), 8);
  assert.equal(count((f) => f.isList && f.arg === 'index'), 53);
  assert.equal(count((f) => !f.isList && f.arg === 'key'), 3);
  assert.equal(count((f) => f.name.startsWith('ka.req.pod.initContainers.')), 15);
  assert.equal(count((f) => f.name.startsWith('ka.req.pod.ephemeralContainers.')), 14);
  assert.equal(count((f) => f.name.startsWith('ka.req.pod.containers.')), 15);
});

test('lookupField resolves canonical names and aliases, case-sensitively', () => {
  assert.equal(lookupField('ka.user.name')?.name, 'ka.user.name');
  assert.equal(lookupField('ka.req.role.rules.apiGroups')?.name, 'ka.req.role.rules.apiGroups');
  assert.equal(lookupField('json.value')?.name, 'jevt.value');
  assert.equal(lookupField('json.value'), lookupField('jevt.value'));
  assert.equal(lookupField('KA.USER.NAME'), undefined);
  assert.equal(lookupField('ka.user.name[0]'), undefined);
  assert.equal(lookupField('ka.nope'), undefined);
  assert.equal(lookupField('toString'), undefined);
});

test('isKnownFieldName', () => {
  for (const field of allFields()) assert.ok(isKnownFieldName(field.name), field.name);
  assert.ok(isKnownFieldName('json.obj'));
  assert.ok(!isKnownFieldName('jevt.time'));
  assert.ok(!isKnownFieldName('evt.num'));
  assert.ok(!isKnownFieldName(''));
});

test('every field has a one-sentence description', () => {
  for (const field of allFields()) {
    assert.match(field.desc, /^\S.*\.$/, field.name);
    assert.ok(!/\.\s+[A-Z]/.test(field.desc), `${field.name}: one sentence`);
  }
});

test('FIELDS.md documents every field', (t) => {
  // The compiled test runs from <package>/dist/fields: the package is the nearest directory with FIELDS.md.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'FIELDS.md')) && dirname(dir) !== dir) dir = dirname(dir);
  const doc = join(dir, 'FIELDS.md');
  if (!existsSync(doc)) {
    t.skip('FIELDS.md not found above the test file');
    return;
  }
  const text = readFileSync(doc, 'utf8');
  for (const field of allFields()) {
    for (const name of [field.name, ...(field.aliases ?? [])]) assert.ok(text.includes(`\`${name}\``), name);
  }
  assert.match(text, /^## Differences from Falco$/m);
});
