/**
 * Properties of decodeAuditPayload, over generated input (fast-check, fixed seed: a failure prints the seed, the run
 * and the shrunk input). The expected time of an event is computed here from the parts of its stageTimestamp, not by
 * the parser under test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeAuditPayload } from './decode.js';

const SEED = 20_261_124;
const RUNS = { seed: SEED, numRuns: 300 };

/** A stageTimestamp and the nanoseconds it stands for. */
const stageTimestamp = fc.record({
  ms: fc.integer({ min: Date.parse('0001-01-02T00:00:00Z'), max: Date.parse('9999-12-30T23:59:59Z') }),
  fraction: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 9 }),
  offsetMinutes: fc.oneof(fc.constant(undefined), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })),
}).map(({ ms, fraction, offsetMinutes }) => {
  const wholeSeconds = Math.floor(ms / 1000) * 1000;
  // The local time written in the text is the UTC time shifted by the offset.
  const local = new Date(wholeSeconds + (offsetMinutes ?? 0) * 60_000).toISOString().slice(0, 19);
  const offset = offsetMinutes === undefined ? 'Z'
    : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  const text = `${local}${fraction ? `.${fraction}` : ''}${offset}`;
  const nanos = fraction ? BigInt(fraction.padEnd(9, '0')) : 0n;
  return { text, timeNs: BigInt(wholeSeconds) * 1_000_000n + nanos };
}).filter(({ text }) => !text.startsWith('+') && !text.startsWith('-'));

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** An Event with arbitrary members (any JSON values), its kind and a valid stageTimestamp. */
const event = fc.tuple(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }), stageTimestamp, fc.string())
  .map(([members, ts, auditID]) => ({
    json: { ...canonical(members), auditID, kind: 'Event', stageTimestamp: ts.text } as Record<string, unknown>,
    timeNs: ts.timeNs,
  }));

/** A value as JSON.parse gives it back (plain prototypes, no -0): what a decoded event's json must equal. */
function canonical<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function assertAnswers(text: string): void {
  const out = decodeAuditPayload(text);
  assert.ok(Array.isArray(out.events) && Array.isArray(out.errors));
  assert.ok(out.errors.every((e) => typeof e === 'string' && e.length > 0));
}

test('decodeAuditPayload never throws, and always answers events and errors', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.jsonValue().map((v) => JSON.stringify([{ kind: 'EventList', items: [v, { kind: 'Event', stageTimestamp: v }] }])),
  );
  fc.assert(fc.property(anyText, assertAnswers), RUNS);
});

test('arrays and EventLists nested deeper than the call stack allows a recursive walk are answered too', () => {
  for (const n of [1, 2, 1000, 100_000]) assertAnswers(`${'['.repeat(n)}${']'.repeat(n)}`);
  for (const n of [1, 2, 1000, 20_000]) assertAnswers(`${'{"kind":"EventList","items":['.repeat(n)}${']}'.repeat(n)}`);
});

test('a valid Event decodes to one event with exactly its json and its time', () => {
  fc.assert(fc.property(event, fc.option(fc.string(), { nil: undefined }), (e, cluster) => {
    const out = decodeAuditPayload(JSON.stringify(e.json), cluster);
    assert.deepEqual(out.errors, []);
    assert.equal(out.events.length, 1);
    assert.deepEqual(out.events[0]!.json, e.json);
    assert.equal(out.events[0]!.timeNs, e.timeNs);
    assert.equal(out.events[0]!.cluster, cluster);
  }), RUNS);
});

test('an EventList of n valid events gives the n events, in order', () => {
  fc.assert(fc.property(fc.array(event, { maxLength: 20 }), (events) => {
    const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: events.map((e) => e.json) };
    const out = decodeAuditPayload(JSON.stringify(list));
    assert.deepEqual(out.errors, []);
    assert.deepEqual(out.events.map((e) => e.json), events.map((e) => e.json));
    assert.deepEqual(out.events.map((e) => e.timeNs), events.map((e) => e.timeNs));
  }), RUNS);
});

test('events without a stageTimestamp are reported, one reason each, and the others are kept in order', () => {
  const item = fc.tuple(event, fc.boolean()).map(([e, keep]) => {
    if (keep) return { ...e, kept: true };
    const { stageTimestamp: _dropped, ...json } = e.json;
    return { json, timeNs: e.timeNs, kept: false };
  });
  fc.assert(fc.property(fc.array(item, { maxLength: 20 }), (items) => {
    const out = decodeAuditPayload(JSON.stringify({ kind: 'EventList', items: items.map((i) => i.json) }));
    const kept = items.filter((i) => i.kept);
    assert.deepEqual(out.events.map((e) => e.json), kept.map((i) => i.json));
    assert.deepEqual(out.errors, items.filter((i) => !i.kept).map(() => "can't read stageTimestamp"));
  }), RUNS);
});
