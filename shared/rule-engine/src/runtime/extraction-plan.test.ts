import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@peregrine/testkit';
import type { AuditEvent } from '../event.js';
import { allFields } from '../fields/registry.js';
import { sampleArgs } from '../fields/sample-args.js';
import { buildExtractionPlan, type ExtractionPlan, type PlanNode } from './extraction-plan.js';

const BASE = { kind: true, auditID: true, stage: true, stageTimestamp: true, verb: true, objectRef: { resource: true } };

test('a plan always keeps what decoding, the rule index and alert ids read', () => {
  assert.deepEqual(buildExtractionPlan([]), BASE);
});

test('paths merge; a member kept whole absorbs its subpaths, in either order', () => {
  const plan = buildExtractionPlan([[['user', 'username'], ['user', 'groups']], [['requestObject', 'spec', 'containers']], [['requestObject', 'spec']]]);
  assert.deepEqual(plan, { ...BASE, user: { username: true, groups: true }, requestObject: { spec: true } });
  assert.deepEqual(buildExtractionPlan([[['objectRef']], [['objectRef', 'name']]]), { ...BASE, objectRef: true });
});

test("'event' or an empty path keeps the whole event", () => {
  assert.equal(buildExtractionPlan([[['user']], 'event']), 'event');
  assert.equal(buildExtractionPlan([[[]]]), 'event');
});

test('member names that are Object.prototype names become own members of the plan', () => {
  const plan = buildExtractionPlan([[['__proto__', 'x'], ['constructor']]]) as PlanNode;
  assert.ok(Object.hasOwn(plan, '__proto__'));
  assert.deepEqual(JSON.parse(JSON.stringify(plan))['__proto__'], { x: true });
  assert.equal(plan['constructor'], true);
});

/** What the native decoder does to an event, in JavaScript: the reference its C++ walk must follow. */
function prune(value: unknown, node: PlanNode | true): unknown {
  if (node === true) return value;
  if (Array.isArray(value)) return value.map((element) => prune(element, node));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (!Object.hasOwn(node, key)) continue;
    Object.defineProperty(out, key, { value: prune(member, node[key]!), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function pruneEvent(event: AuditEvent, plan: ExtractionPlan): AuditEvent {
  return plan === 'event' ? event : { ...event, json: prune(event.json, plan) as AuditEvent['json'] };
}

function testEvents(): AuditEvent[] {
  const dir = join(repoRoot(), 'rules', 'tests');
  const events: AuditEvent[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { positive?: object[]; negative?: object[] };
    for (const json of [...(doc.positive ?? []), ...(doc.negative ?? [])]) {
      events.push({ json: json as AuditEvent['json'], timeNs: 1n, cluster: events.length % 2 === 0 ? undefined : 'c' });
    }
  }
  return events;
}

test('every field, with every kind of argument, reads the same value from an event pruned to its own plan', () => {
  const events = testEvents();
  assert.ok(events.length > 150);
  let variants = 0;
  let variantsWithValue = 0;
  for (const field of allFields()) {
    for (const arg of sampleArgs(field)) {
      let extract;
      try {
        extract = field.compile(arg);
      } catch {
        continue; // an argument this field does not take
      }
      const plan = buildExtractionPlan([field.reads ? field.reads(arg) : 'event']);
      let found = false;
      for (const event of events) {
        const full = extract(event);
        assert.deepEqual(extract(pruneEvent(event, plan)), full, `${field.name}[${arg ?? ''}] on ${String(event.json['auditID'])}`);
        found ||= full !== undefined;
      }
      variants++;
      if (found) variantsWithValue++;
    }
  }
  // Most fields must find a value somewhere in the corpus, or the comparison proves little.
  assert.ok(variantsWithValue > variants * 0.5, `${variantsWithValue} of ${variants} field variants found a value`);
});

test('the pruned event is much smaller than the event for a typical ruleset', () => {
  const plan = buildExtractionPlan(allFields().filter((f) => f.name.startsWith('ka.user') || f.name === 'ka.verb').map((f) => f.reads!(undefined)));
  const event = testEvents().find((e) => JSON.stringify(e.json).length > 2000)!;
  assert.ok(JSON.stringify(prune(event.json, plan as PlanNode)).length < JSON.stringify(event.json).length / 2);
});
