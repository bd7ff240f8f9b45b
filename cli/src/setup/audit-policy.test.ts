/**
 * Reading an audit policy: what the apiserver would refuse is refused, every problem listed at once, and keys it does
 * not know (typos that would silently change what is audited) are problems too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePolicy, PolicyError, policyProblems } from './audit-policy.js';
import { RECOMMENDED_POLICY } from './recommended-policy.js';

test('the recommended policy is a valid audit.k8s.io/v1 Policy', () => {
  const p = parsePolicy(RECOMMENDED_POLICY, 'recommended');
  assert.equal(p.apiVersion, 'audit.k8s.io/v1');
  assert.ok(p.rules.length > 5);
  // Its last rule catches everything: no request goes unaudited by accident.
  assert.deepEqual(p.rules.at(-1), { level: 'Metadata' });
});

test('policyProblems: every problem at once, with where it is', () => {
  const problems = policyProblems({
    apiVersion: 'audit.k8s.io/v2', kind: 'Policy', omitStages: ['RequestRecieved'],
    rules: [
      { level: 'Metadata', resources: [{ group: '', resources: ['pods'] }], nonResourceURLs: ['/healthz'] },
      { level: 'Request', verbs: 'create' },
      { level: 'None', nonResourceURLs: ['healthz', '/a*b'] },
      { level: 'Metadata', resources: [{ groups: ['apps'], resources: ['deploy/ments/x'] }] },
    ],
  });
  const expected = [
    /^apiVersion: expected audit\.k8s\.io\/v1/,
    /^omitStages: unknown stage "RequestRecieved"/,
    /^rules\[0\]: nonResourceURLs cannot be combined with resources/,
    /^rules\[1\]\.verbs: expected a list of strings/,
    /^rules\[2\]\.nonResourceURLs: 'healthz' must start with \//,
    /^rules\[2\]\.nonResourceURLs: '\/a\*b': \* is only allowed at the end/,
    /^rules\[3\]\.resources\[0\]: unknown key 'groups'/,
    /^rules\[3\]\.resources\[0\]\.resources: 'deploy\/ments\/x' is not/,
  ];
  assert.equal(problems.length, expected.length, problems.join('\n'));
  expected.forEach((re, i) => assert.match(problems[i]!, re));
});

test('parsePolicy: a policy without rules, a document that is not a map, YAML that does not parse', () => {
  assert.throws(() => parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n', 'p.yaml'),
    (e: unknown) => e instanceof PolicyError && /p\.yaml: not a valid audit policy:\n  rules: expected a non-empty list/.test(e.message));
  assert.throws(() => parsePolicy('- level: Metadata\n', 'p.yaml'), /the document is not a map/);
  assert.throws(() => parsePolicy('rules: [level: {\n', 'p.yaml'), /p\.yaml: not valid YAML/);
});
