/**
 * The Ruleset's resource and verb index, and `LoadOptions.partition: false`, which turns it off: every active rule then runs on
 * every event in load order, with exactly the same matches (benchmarks compare the two).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEvent } from '../event.js';
import { type LoadOptions, loadRules, type RuleTiming } from '../index.js';

const RULES = [
  ['Pods', 'ka.target.resource=pods and ka.verb=create'],
  ['Anything', 'ka.user.name=mallory'],
  ['ConfigMaps', 'ka.target.resource in (configmaps) and ka.verb in (create, update)'],
  ['Pods Or Secrets', '(ka.target.resource=pods or ka.target.resource=secrets) and ka.verb=delete'],
].map(([name, condition]) => `- rule: ${name}
  desc: d
  condition: ${condition}
  output: o
  priority: WARNING
  source: k8s_audit
`).join('');

function ruleset(options: LoadOptions = {}) {
  const r = loadRules([{ path: 'r.yaml', text: RULES }], options);
  assert.deepEqual(r.errors, []);
  return { ruleset: r.ruleset!, stats: r.stats };
}

function event(resource: string | undefined, verb: string, user = 'bob'): AuditEvent {
  const objectRef = resource === undefined ? {} : { objectRef: { resource, namespace: 'default', name: 'x' } };
  return { json: { kind: 'Event', auditID: 'a', stage: 'ResponseComplete', verb, user: { username: user }, ...objectRef }, timeNs: 1n };
}

const names = (rules: readonly { name: string }[]) => rules.map((r) => r.name);

test('partitioned (default): a resource and verb get their own rules and the any-resource/any-verb ones, in load order', () => {
  const { ruleset: rs, stats } = ruleset();
  assert.equal(rs.partitioned, true);
  assert.deepEqual(names(rs.rulesFor('pods', 'create')), ['Pods', 'Anything']);
  assert.deepEqual(names(rs.rulesFor('pods', 'delete')), ['Anything', 'Pods Or Secrets']);
  assert.deepEqual(names(rs.rulesFor('pods', 'watch')), ['Anything']);
  assert.deepEqual(names(rs.rulesFor('configmaps', 'update')), ['Anything', 'ConfigMaps']);
  assert.deepEqual(names(rs.rulesFor('configmaps', 'delete')), ['Anything']);
  assert.deepEqual(names(rs.rulesFor('nodes', 'create')), ['Anything']);
  assert.deepEqual(names(rs.rulesFor(undefined, undefined)), ['Anything']);
  assert.deepEqual(names(rs.rulesFor('pods', undefined)), ['Anything']);
  assert.equal(stats.unpartitionedRules, 1);
});

test('rules narrowed by verb only are indexed under every resource', () => {
  const text = `- rule: Deletes
  desc: d
  condition: ka.verb in (delete, deletecollection) and ka.user.name=mallory
  output: o
  priority: WARNING
  source: k8s_audit
- rule: Pod Deletes
  desc: d
  condition: jevt.value[/verb]=delete and jevt.value[/objectRef/resource]=pods
  output: o
  priority: WARNING
  source: k8s_audit
`;
  const r = loadRules([{ path: 'r.yaml', text }]);
  assert.deepEqual(r.errors, []);
  const rs = r.ruleset!;
  assert.deepEqual(names(rs.rulesFor('pods', 'delete')), ['Deletes', 'Pod Deletes']);
  assert.deepEqual(names(rs.rulesFor('secrets', 'deletecollection')), ['Deletes']);
  assert.deepEqual(names(rs.rulesFor('secrets', 'get')), []);
  assert.deepEqual(names(rs.rulesFor(undefined, 'delete')), ['Deletes']);
  const match = rs.evaluate({ json: { kind: 'Event', auditID: 'a', verb: 'deletecollection', user: { username: 'mallory' } }, timeNs: 1n });
  assert.deepEqual(names(match.map((m) => m.rule)), ['Deletes']);
  assert.equal(r.stats.unpartitionedRules, 0);
});

test('a condition that needs two verbs at once is reported as never matching', () => {
  const text = `- rule: Impossible
  desc: d
  condition: ka.verb=create and ka.verb=delete
  output: o
  priority: WARNING
  source: k8s_audit
`;
  const r = loadRules([{ path: 'r.yaml', text }]);
  assert.deepEqual(r.warnings.map((w) => w.code), ['PG_WARN_RULE_NEVER_MATCHES']);
  assert.match(r.warnings[0]!.message, /two different verbs/);
});

test('partition: false puts every active rule in the any-resource bucket, keeps each rule\'s inferred resources', () => {
  const { ruleset: rs, stats } = ruleset({ partition: false });
  assert.equal(rs.partitioned, false);
  const all = ['Pods', 'Anything', 'ConfigMaps', 'Pods Or Secrets'];
  for (const resource of ['pods', 'configmaps', 'nodes', undefined]) {
    for (const verb of ['create', 'delete', 'get', undefined]) assert.deepEqual(names(rs.rulesFor(resource, verb)), all);
  }
  assert.equal(stats.unpartitionedRules, 4);
  const pods = rs.rules.find((r) => r.name === 'Pods')!;
  assert.deepEqual(pods.partition !== 'any' && [...pods.partition], ['pods']);
  assert.deepEqual(pods.verbs !== 'any' && [...pods.verbs], ['create']);
});

test('partition: false gives the same matches, first and all; only more rules run', () => {
  const on = ruleset().ruleset;
  const off = ruleset({ partition: false }).ruleset;
  const events = [
    event('pods', 'create', 'mallory'), event('pods', 'delete'), event('secrets', 'delete', 'mallory'),
    event('configmaps', 'update'), event('nodes', 'get', 'mallory'), event(undefined, 'get', 'mallory'), event('pods', 'get'),
  ];
  for (const ruleMatching of ['first', 'all'] as const) {
    for (const e of events) {
      assert.deepEqual(names(off.evaluate(e, { ruleMatching }).map((m) => m.rule)),
        names(on.evaluate(e, { ruleMatching }).map((m) => m.rule)), `${ruleMatching} ${JSON.stringify(e.json)}`);
    }
  }
  const timed = (rs: typeof on) => {
    const timings = new Map<string, RuleTiming>();
    rs.evaluateTimed(event('nodes', 'get'), timings, { ruleMatching: 'all' });
    return [...timings.keys()];
  };
  assert.deepEqual(timed(on), ['Anything']);
  assert.deepEqual(timed(off), ['Pods', 'Anything', 'ConfigMaps', 'Pods Or Secrets']);
});
