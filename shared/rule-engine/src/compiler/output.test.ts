/**
 * Rule output templates (reference 3.8): `%field` at each percent sign, the longest prefix that is a known field,
 * widths, transformers, `<NA>` for missing values, lists as `(a,b)`, and the errors for `%` without a field.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConditionError } from '../errors.js';
import type { AuditEvent } from '../event.js';
import { compileOutput } from './output.js';

const ev: AuditEvent = {
  json: {
    kind: 'Event',
    auditID: 'aud-1',
    stage: 'ResponseComplete',
    verb: 'create',
    requestURI: '/api/v1/namespaces/default/pods/nginx/exec?command=sh&container=c1',
    user: { username: 'alice', groups: ['system:authenticated', 'devs'] },
    objectRef: { resource: 'pods', namespace: 'default', name: 'nginx' },
  },
  timeNs: 1_540_476_552_581_541_000n,
};

function format(template: string, event: AuditEvent = ev): string {
  return compileOutput(template)(event).text;
}

function rejectOutput(template: string, offset: number): ConditionError {
  let caught: unknown;
  try {
    compileOutput(template);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ConditionError, `${template} should be rejected`);
  assert.equal(caught.code, 'PG_ERR_RULE_OUTPUT');
  assert.equal(caught.offset, offset, `offset in ${template}`);
  return caught;
}

describe('fields', () => {
  test('fields and literal text', () => {
    assert.equal(format('user=%ka.user.name verb=%ka.verb'), 'user=alice verb=create');
    assert.equal(format('no fields at all'), 'no fields at all');
    assert.equal(format(''), '');
    assert.equal(format('(%ka.verb)'), '(create)');
  });

  test('a missing value prints <NA> and is null in the fields', () => {
    const out = compileOutput('ns=%ka.target.namespace sub=%ka.target.subresource')(ev);
    assert.equal(out.text, 'ns=default sub=<NA>');
    assert.deepEqual(out.fields, { 'ka.target.namespace': 'default', 'ka.target.subresource': null });
    const noAudit: AuditEvent = { json: {}, timeNs: 0n };
    assert.equal(format('%ka.user.name', noAudit), '<NA>');
  });

  test('a list prints as (a,b) and is an array in the fields', () => {
    const out = compileOutput('groups=%ka.user.groups')(ev);
    assert.equal(out.text, 'groups=(system:authenticated,devs)');
    assert.deepEqual(out.fields['ka.user.groups'], ['system:authenticated', 'devs']);
  });

  test('two fields separated only by a slash', () => {
    assert.equal(format('%ka.target.name/%ka.target.resource'), 'nginx/pods');
    assert.equal(format('%ka.target.namespace:%ka.target.name'), 'default:nginx');
  });

  test('the longest prefix that is a field wins, the rest is text', () => {
    assert.equal(format('%ka.target.namespacefoo'), 'defaultfoo');
    assert.equal(format('%ka.verb.'), 'create.');
    assert.equal(format('%ka.verb[x]'), 'create[x]', 'ka.verb takes no argument: the bracket is text');
    assert.deepEqual(compileOutput('%ka.target.namespacefoo').fieldNames, ['ka.target.namespace']);
  });

  test('field arguments', () => {
    const out = compileOutput('cmd=%ka.uri.param[command] c=%ka.uri.param[container] x=%jevt.value[/objectRef/name]')(ev);
    assert.equal(out.text, 'cmd=sh c=c1 x=nginx');
    assert.deepEqual(Object.keys(out.fields), ['ka.uri.param[command]', 'ka.uri.param[container]', 'jevt.value[/objectRef/name]']);
  });

  test('a width pads or truncates', () => {
    assert.equal(format('[%10ka.verb]'), '[create    ]');
    assert.equal(format('[%3ka.verb]'), '[cre]');
    assert.equal(format('[%6ka.verb]'), '[create]');
    assert.equal(format('[%5ka.target.subresource]'), '[<NA> ]');
    assert.deepEqual(compileOutput('%3ka.verb')(ev).fields, { 'ka.verb': 'create' }, 'the field value is not cut');
  });

  test('transformers', () => {
    const out = compileOutput('u=%toupper(ka.user.name) n=%len(ka.user.groups) j=%join(",", ka.user.groups)')(ev);
    assert.equal(out.text, 'u=ALICE n=2 j=system:authenticated,devs');
    assert.deepEqual(Object.keys(out.fields), ['toupper(ka.user.name)', 'len(ka.user.groups)', 'join(",", ka.user.groups)']);
    assert.equal(format('%tolower(ka.verb)!'), 'create!');
  });

  test('a leading * is dropped', () => {
    assert.equal(format('*user=%ka.user.name'), 'user=alice');
  });

  test('fieldNames: canonical names in order of first use, once', () => {
    const f = compileOutput('%ka.verb %ka.user.name %ka.verb %5ka.user.name %jevt.value["/a b"]');
    assert.deepEqual(f.fieldNames, ['ka.verb', 'ka.user.name', 'jevt.value["/a b"]']);
  });
});

describe('errors', () => {
  test('% at the end', () => {
    assert.match(rejectOutput('user=%', 5).message, /end/);
    rejectOutput('%', 0);
    rejectOutput('x %12', 2);
  });

  test('% followed by no known field', () => {
    assert.match(rejectOutput('user=%ka.usr.name', 5).message, /ka\.usr\.name/);
    rejectOutput('100% sure', 3);
    rejectOutput('a %(ka.verb) b', 2);
    rejectOutput('%nope', 0);
  });

  test('a field that does not compile falls back to a shorter prefix that does', () => {
    // ka.uri.param needs an argument: the longest prefix that compiles is ka.uri.
    const uri = '/api/v1/namespaces/default/pods/nginx/exec?command=sh&container=c1';
    assert.equal(format('%ka.uri.param'), `${uri}.param`);
    assert.equal(format('%ka.uri.param[command'), `${uri}.param[command`);
    assert.deepEqual(compileOutput('%ka.uri.param').fieldNames, ['ka.uri']);
  });

  test('offsets count the leading *', () => {
    rejectOutput('*x %nope.field', 3);
  });
});
