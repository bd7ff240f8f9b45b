import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Alert } from '@peregrine/rule-engine';
import { compileFilter } from './filter.js';
import type { AlertRecord } from './parse.js';

function record(alert: Partial<Alert>, cluster: string | null = 'prod'): AlertRecord {
  return {
    alert: { priority: 'Warning', tags: [], ...alert } as Alert,
    json: '{}',
    cluster: cluster ?? undefined,
    message: { topic: 't', partition: 0, offset: '0', value: Buffer.from('{}'), headers: {} },
  };
}

test('no options: everything passes', () => {
  const pass = compileFilter({});
  assert.ok(pass(record({ priority: 'Debug' })));
  assert.ok(pass(record({ priority: 'Emergency' }, null)));
});

test('minPriority keeps that priority and the more severe ones (Falco order)', () => {
  const pass = compileFilter({ minPriority: 'warning' });
  for (const p of ['Emergency', 'Alert', 'Critical', 'Error', 'Warning'] as const) assert.ok(pass(record({ priority: p })), p);
  for (const p of ['Notice', 'Informational', 'Debug'] as const) assert.ok(!pass(record({ priority: p })), p);
  assert.ok(compileFilter({ minPriority: 'INFO' })(record({ priority: 'Informational' })));
  assert.ok(!compileFilter({ minPriority: 'info' })(record({ priority: 'Debug' })));
});

test('tags: any of', () => {
  const pass = compileFilter({ tags: ['k8s-secrets', 'mitre_credential_access'] });
  assert.ok(pass(record({ tags: ['k8s', 'k8s-secrets'] })));
  assert.ok(!pass(record({ tags: ['k8s'] })));
  assert.ok(!pass(record({ tags: [] })));
});

test('clusters: one of; an alert without a cluster does not match a cluster list', () => {
  const pass = compileFilter({ clusters: ['prod', 'staging'] });
  assert.ok(pass(record({}, 'staging')));
  assert.ok(!pass(record({}, 'dev')));
  assert.ok(!pass(record({}, null)));
});

test('all conditions must hold', () => {
  const pass = compileFilter({ minPriority: 'error', tags: ['a'], clusters: ['prod'] });
  assert.ok(pass(record({ priority: 'Critical', tags: ['a'] })));
  assert.ok(!pass(record({ priority: 'Warning', tags: ['a'] })));
  assert.ok(!pass(record({ priority: 'Critical', tags: ['b'] })));
  assert.ok(!pass(record({ priority: 'Critical', tags: ['a'] }, 'dev')));
});
