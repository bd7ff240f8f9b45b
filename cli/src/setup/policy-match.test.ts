/**
 * Audit policy evaluation as the kube-apiserver does it: first match wins, exact API groups, the resource wildcards,
 * and the `may` rules (about some users, namespaces or verbs) that are exceptions rather than the level of a kind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditPolicy, PolicyRule } from './audit-policy.js';
import { auditOf, matches, type RequestKind, resourceKinds } from './policy-match.js';

const policy = (...rules: PolicyRule[]): AuditPolicy => ({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules });
const kind = (name: string, verb?: string, subresource = '', group: string | undefined = ''): RequestKind =>
  ({ resource: { group, name, subresource }, verb });

test('first matching rule decides; a request no rule matches is not audited', () => {
  const p = policy(
    { level: 'Metadata', resources: [{ group: '', resources: ['secrets'] }] },
    { level: 'RequestResponse', verbs: ['create'], resources: [{ group: '', resources: ['pods', 'secrets'] }] },
  );
  assert.equal(auditOf(p, kind('secrets', 'create')).level, 'Metadata');
  assert.equal(auditOf(p, kind('pods', 'create')).level, 'RequestResponse');
  assert.equal(auditOf(p, kind('pods', 'create')).decidedBy?.number, 2);
  const unmatched = auditOf(p, kind('pods', 'delete'));
  assert.equal(unmatched.level, 'None');
  assert.equal(unmatched.decidedBy, undefined);
});

test('groups match exactly: deployments are in apps, not in the core group', () => {
  const core = { level: 'RequestResponse' as const, resources: [{ resources: ['deployments'] }] };
  const [apps] = resourceKinds('deployments', '', 'create');
  assert.equal(apps!.resource!.group, 'apps');
  assert.equal(matches(core, apps!), 'no');
  assert.equal(matches({ level: 'Request', resources: [{ group: 'apps', resources: ['deployments'] }] }, apps!), 'sure');
  // A group entry without resources is every resource of the group.
  assert.equal(matches({ level: 'Request', resources: [{ group: 'apps' }] }, apps!), 'sure');
  // Events are served by two groups: one kind each.
  assert.deepEqual(resourceKinds('events', '', 'get').map((k) => k.resource!.group), ['', 'events.k8s.io']);
  // A resource we do not know (a custom resource) matches an entry of whatever group names it.
  const [widget] = resourceKinds('widgets', '', 'create');
  assert.equal(matches({ level: 'Request', resources: [{ group: 'example.com', resources: ['widgets'] }] }, widget!), 'sure');
});

test('subresources: exact, */sub, resource/* (which also matches the resource itself), *', () => {
  const rule = (resources: string[]): PolicyRule => ({ level: 'Metadata', resources: [{ resources }] });
  assert.equal(matches(rule(['pods']), kind('pods', 'create', 'exec')), 'no');
  assert.equal(matches(rule(['pods/exec']), kind('pods', 'create', 'exec')), 'sure');
  assert.equal(matches(rule(['*/exec']), kind('pods', 'create', 'exec')), 'sure');
  assert.equal(matches(rule(['*/exec']), kind('pods', 'create')), 'no');
  assert.equal(matches(rule(['pods/*']), kind('pods', 'create', 'log')), 'sure');
  assert.equal(matches(rule(['pods/*']), kind('pods', 'create')), 'sure');
  assert.equal(matches(rule(['*']), kind('secrets', 'get', 'status')), 'sure');
});

test('rules about some users, groups, namespaces, names or verbs are exceptions, not the level of the kind', () => {
  const p = policy(
    { level: 'None', users: ['system:kube-proxy'], resources: [{ resources: ['endpoints'] }] },
    { level: 'None', namespaces: ['kube-system'] },
    { level: 'Request', resources: [{ resources: ['configmaps'], resourceNames: ['cluster-info'] }] },
    { level: 'Request', verbs: ['create'] },
    { level: 'Metadata' },
  );
  const endpoints = auditOf(p, kind('endpoints', 'watch'));
  assert.equal(endpoints.level, 'Metadata');
  assert.deepEqual(endpoints.exceptions.map((e) => e.number), [1, 2]);
  assert.deepEqual(auditOf(p, kind('configmaps', 'get')).exceptions.map((e) => e.number), [2, 3]);
  // A kind with any verb meets `verbs: [create]` for some of its requests only.
  const exec = auditOf(p, kind('pods', undefined, 'exec'));
  assert.equal(exec.level, 'Metadata');
  assert.deepEqual(exec.exceptions.map((e) => e.number), [2, 4]);
  assert.equal(auditOf(p, kind('pods', 'create', 'exec')).level, 'Request');
});

test('non-resource URL rules never match resource requests; any request meets every scoped rule as an exception', () => {
  const p = policy({ level: 'None', nonResourceURLs: ['/healthz*'] }, { level: 'RequestResponse', resources: [{ resources: ['pods'] }] }, { level: 'Metadata' });
  assert.equal(matches(p.rules[0]!, kind('pods', 'get')), 'no');
  const any = auditOf(p, {});
  assert.equal(any.level, 'Metadata');
  assert.deepEqual(any.exceptions.map((e) => e.number), [1, 2]);
});

test('omitted stages: the policy\'s and the deciding rule\'s', () => {
  const p: AuditPolicy = { ...policy({ level: 'Metadata', omitStages: ['ResponseStarted'] }), omitStages: ['RequestReceived'] };
  assert.deepEqual([...auditOf(p, kind('pods', 'get')).omitStages].sort(), ['RequestReceived', 'ResponseStarted']);
});
