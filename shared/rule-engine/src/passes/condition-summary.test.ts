/**
 * The condition summary on CompiledRule: fields, operators and checks of the EXPANDED condition (macros inlined, lists
 * substituted, exceptions appended), which `peregrine bench rules` uses to explain what a rule costs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadRules, parseCondition } from '../index.js';
import { summarizeCondition } from './condition-summary.js';

test('macros and lists are expanded; fields and operators are distinct, in order of first use', () => {
  const text = `
- list: secret_words
  items: [password, passphrase, aws_access_key_id]
- macro: on_cm
  condition: ka.target.resource=configmaps and json.value[/stage]=ResponseComplete
- macro: has_secret
  condition: ka.req.configmap.obj contains password or ka.req.configmap.obj icontains passphrase
- rule: R
  desc: d
  condition: on_cm and has_secret and not ka.user.name in (secret_words) and ka.verb exists
  output: o
  priority: WARNING
  source: k8s_audit
  exceptions:
    - name: admins
      fields: ka.user.name
      comps: in
      values: [alice]
`;
  const r = loadRules([{ path: 'r.yaml', text }]);
  assert.deepEqual(r.errors, []);
  const rule = r.ruleset!.rules[0]!;
  assert.deepEqual(rule.fields, ['ka.target.resource', 'jevt.value[/stage]', 'ka.req.configmap.obj', 'ka.user.name', 'ka.verb']);
  assert.deepEqual(rule.operators, ['=', 'contains', 'icontains', 'in', 'exists']);
  assert.deepEqual(rule.checks.map((c) => `${c.operand} ${c.operator} ${c.values}`), [
    'ka.target.resource = 1',
    'jevt.value[/stage] = 1',
    'ka.req.configmap.obj contains 1',
    'ka.req.configmap.obj icontains 1',
    'ka.user.name in 3',
    'ka.verb exists 0',
    'ka.user.name in 1', // the exception, appended as `and not (ka.user.name in (alice))`
  ]);
  // The alias json.value is reported under its canonical name, with the pointer as argument.
  assert.deepEqual({ field: rule.checks[1]!.field, arg: rule.checks[1]!.arg }, { field: 'jevt.value', arg: '/stage' });
});

test('transformers, val() and modifiers: one entry per field read', () => {
  const s = summarizeCondition(parseCondition(
    'tolower(ka.user.name) = val(ka.target.name) or ka.uri startswith anyof (/healthz, /livez) or ka.uri.param[command] regex ".*sh"'));
  assert.deepEqual(s.checks.map((c) => [c.field, c.operand, c.operator, c.values]), [
    ['ka.user.name', 'tolower(ka.user.name)', '=', 0],
    ['ka.target.name', 'ka.target.name', '=', 0],
    ['ka.uri', 'ka.uri', 'startswith anyof', 2],
    ['ka.uri.param', 'ka.uri.param[command]', 'regex', 1],
  ]);
  assert.deepEqual(s.operators, ['=', 'startswith anyof', 'regex']);
});
