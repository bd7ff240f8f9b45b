/**
 * The subresource and stage keys of a compiled rule: inferred like the resource and verb keys, kept on CompiledRule
 * for tools (`peregrine setup check` asks which requests and stages a rule needs the apiserver to audit).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadRules } from '../index.js';
import { ANY_KEY, type PartitionKeys } from './partition-keys.js';

function keysOf(condition: string) {
  const text = `- macro: streamed
  condition: (jevt.value[/stage]=ResponseStarted)
- rule: R
  desc: d
  condition: ${condition}
  output: o
  priority: WARNING
  source: k8s_audit
`;
  const r = loadRules([{ path: 'r.yaml', text }]);
  assert.deepEqual(r.errors, []);
  const rule = r.ruleset!.rules[0]!;
  return { subresources: list(rule.subresources), stages: list(rule.stages), partition: list(rule.partition) };
}

const list = (k: PartitionKeys) => (k === ANY_KEY ? ANY_KEY : [...k].sort());

test('subresources: narrowed by ka.target.subresource and jevt.value[/objectRef/subresource], through macros', () => {
  assert.deepEqual(keysOf('streamed and ka.target.resource=pods and ka.target.subresource in (exec, attach)'),
    { subresources: ['attach', 'exec'], stages: ['ResponseStarted'], partition: ['pods'] });
  assert.deepEqual(keysOf('jevt.value[/objectRef/subresource]=token or ka.target.subresource=approval').subresources, ['approval', 'token']);
});

test('stages: ka.stage and jevt.value[/stage]; or joins, and intersects', () => {
  assert.deepEqual(keysOf('(streamed and ka.verb=watch) or (ka.stage=ResponseComplete and ka.verb=list)').stages,
    ['ResponseComplete', 'ResponseStarted']);
  assert.deepEqual(keysOf('ka.stage in (ResponseComplete, Panic) and jevt.value[/stage]=Panic').stages, ['Panic']);
});

test('not and unrelated checks stay ANY: "no subresource" is not a key', () => {
  assert.deepEqual(keysOf('ka.target.resource=pods and not ka.target.subresource exists'),
    { subresources: ANY_KEY, stages: ANY_KEY, partition: ['pods'] });
  assert.equal(keysOf('ka.user.name=bob').subresources, ANY_KEY);
});
