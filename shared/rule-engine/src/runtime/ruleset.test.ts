/**
 * The Ruleset's resource index, and `LoadOptions.partition: false`, which turns it off: every active rule then runs on
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

test('partitioned (default): a resource gets its own rules and the any-resource ones, in load order', () => {
  const { ruleset: rs, stats } = ruleset();
  assert.equal(rs.partitioned, true);
  assert.deepEqual(names(rs.rulesFor('pods')), ['Pods', 'Anything', 'Pods Or Secrets']);
  assert.deepEqual(names(rs.rulesFor('configmaps')), ['Anything', 'ConfigMaps']);
  assert.deepEqual(names(rs.rulesFor('nodes')), ['Anything']);
  assert.deepEqual(names(rs.rulesFor(undefined)), ['Anything']);
  assert.equal(stats.unpartitionedRules, 1);
});

test('partition: false puts every active rule in the any-resource bucket, keeps each rule\'s inferred resources', () => {
  const { ruleset: rs, stats } = ruleset({ partition: false });
  assert.equal(rs.partitioned, false);
  const all = ['Pods', 'Anything', 'ConfigMaps', 'Pods Or Secrets'];
  for (const resource of ['pods', 'configmaps', 'nodes', undefined]) assert.deepEqual(names(rs.rulesFor(resource)), all);
  assert.equal(stats.unpartitionedRules, 4);
  const pods = rs.rules.find((r) => r.name === 'Pods')!;
  assert.deepEqual(pods.partition !== 'any' && [...pods.partition], ['pods']);
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
