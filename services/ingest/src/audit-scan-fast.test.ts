/**
 * The native fast path of the webhook scan must never change a verdict: on every body, scanAuditBody (native first)
 * gives exactly what scanAudit (the reference) gives. Real apiserver-like bodies must take the fast path; unusual
 * ones must be left to the reference.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { requireNativeDecoder } from '@peregrine/simd-decode/test-support';
import { scanAudit } from './audit-scan.js';
import { bodyText, edited } from './audit-scan.arbitraries.js';
import { scanAuditBody } from './audit-scan-fast.js';

const RUNS = { seed: 20_261_206, numRuns: 1500 };

function same(text: string | Buffer): void {
  const body = typeof text === 'string' ? Buffer.from(text) : text;
  const reference = scanAudit(body);
  assert.deepEqual(scanAuditBody(body), reference);
  // Counting only: the same verdict, shape and count, without the ranges.
  const counted = scanAuditBody(body, { ranges: false });
  assert.deepEqual(counted, reference.ok && counted.ok ? { ...reference, starts: counted.starts, ends: counted.ends } : reference);
  if (counted.ok) assert.equal(counted.starts.length === 0 || counted.starts.length === counted.count, true);
}

function ruleTestEvents(): unknown[] {
  const dir = join(import.meta.dirname, '..', '..', '..', 'rules', 'tests');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) => {
    const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { positive?: unknown[]; negative?: unknown[] };
    return [...(doc.positive ?? []), ...(doc.negative ?? [])];
  });
}

test('apiserver-like bodies take the fast path, with the same events as the reference scan', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const events = ruleTestEvents();
  const bodies = [
    JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: events }),
    JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: null }),
    JSON.stringify(events[0]),
    JSON.stringify([events[1], { kind: 'EventList', items: events.slice(2, 9) }]),
    JSON.stringify({ kind: 'EventList', items: events.slice(0, 20) }, null, 2),
    '[]',
  ];
  for (const body of bodies) {
    assert.ok(decoder.scanAudit(Buffer.from(body)), `fast path for ${body.slice(0, 60)}`);
    assert.ok(decoder.scanAudit(Buffer.from(body), { ranges: false }), `counting fast path for ${body.slice(0, 60)}`);
    same(body);
  }
});

test('unusual bodies are left to the reference scan', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const event = JSON.stringify(ruleTestEvents()[0]);
  const deep = `{"kind":"Event","x":${'['.repeat(505)}${']'.repeat(505)}}`;
  const unusual = [
    `\ufeff${event}`, // byte order mark
    event.replace('"verb":"', '"verb":"\\ud83d\\ude00'), // surrogate escapes (a valid pair: still the reference's call)
    event.replace('"verb":"', '"verb":"\\ud800'),
    deep,
    event.replace('"verb":', '"n":123456789012345678901234567890,"verb":'),
    `{"kind":"EventList","items":[${event},1]}`, // an item that is not an object: a shape error
    `${event}\n${event}`, // JSON lines: trailing data for the scan
    '{"kind":"Status"}',
    '',
  ];
  for (const body of unusual) {
    assert.equal(decoder.scanAudit(Buffer.from(body)), undefined, body.slice(0, 80));
    assert.equal(decoder.scanAudit(Buffer.from(body), { ranges: false }), undefined, body.slice(0, 80));
    same(body);
  }
});

test('generated bodies: the same verdict, shape and ranges with and without the fast path', (t) => {
  if (!requireNativeDecoder(t)) return;
  fc.assert(fc.property(bodyText, same), RUNS);
});

test('generated bodies with a few bytes changed: the same verdict and error with and without the fast path', (t) => {
  if (!requireNativeDecoder(t)) return;
  fc.assert(fc.property(edited, same), RUNS);
});

test('every prefix of generated bodies: the same verdict with and without the fast path', (t) => {
  if (!requireNativeDecoder(t)) return;
  fc.assert(fc.property(bodyText, (text) => {
    for (let n = 0; n < text.length; n += Math.max(1, Math.floor(text.length / 40))) same(text.slice(0, n));
  }), { ...RUNS, numRuns: 200 });
});
