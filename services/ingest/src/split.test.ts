import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuditScanOk, scanAudit } from './audit-scan.js';
import { packEvents, SPLIT_OVERHEAD_BYTES, TRUNCATED_ANNOTATION, truncateEvent } from './split.js';
import { auditEvent, eventList } from './test-support.js';

function scanned(payload: unknown): { body: Buffer; scan: AuditScanOk } {
  const body = Buffer.from(JSON.stringify(payload));
  const scan = scanAudit(body);
  assert.ok(scan.ok);
  return { body, scan };
}

/** The raw bytes of each event of a body, as the scanner finds them. */
function eventBytes(body: Buffer): string[] {
  const r = scanAudit(body);
  assert.ok(r.ok, 'every packed value must itself be an acceptable audit body');
  return r.starts.map((s, i) => body.subarray(s, r.ends[i]).toString());
}

describe('packEvents', () => {
  it('a body that fits is the only value, the same Buffer (no copy)', () => {
    const { body, scan } = scanned(eventList([auditEvent(1), auditEvent(2)]));
    const r = packEvents(body, scan, body.length);
    assert.ok(r.ok);
    assert.equal(r.split, false);
    assert.equal(r.values.length, 1);
    assert.equal(r.values[0], body);
  });

  it('a larger body becomes EventLists within the limit whose events are the original bytes, in order', () => {
    const items = Array.from({ length: 40 }, (_, i) => auditEvent(i, (i * 37) % 300));
    const { body, scan } = scanned(eventList(items));
    const limit = 2500;
    const r = packEvents(body, scan, limit);
    assert.ok(r.ok && r.split);
    assert.ok(r.values.length > 1);
    for (const v of r.values) {
      assert.ok(v.length <= limit, `a value of ${v.length} bytes exceeds ${limit}`);
      const parsed = JSON.parse(v.toString()) as Record<string, unknown>;
      assert.equal(parsed['kind'], 'EventList');
      assert.equal(parsed['apiVersion'], 'audit.k8s.io/v1');
    }
    assert.deepEqual(r.values.flatMap(eventBytes), eventBytes(body));
    assert.deepEqual(r.values.flatMap((v) => (JSON.parse(v.toString()) as { items: unknown[] }).items), items);
    // Greedy: no value could also have taken the first event of the next one.
    for (let k = 0; k + 1 < r.values.length; k++) {
      const next = eventBytes(r.values[k + 1]!)[0]!;
      assert.ok(r.values[k]!.length + 1 + Buffer.byteLength(next) > limit);
    }
  });

  it('an array body and a single large Event are re-wrapped the same way', () => {
    const { body, scan } = scanned([auditEvent(1, 500), eventList([auditEvent(2, 500), auditEvent(3, 500)])]);
    const r = packEvents(body, scan, 1500);
    assert.ok(r.ok && r.split);
    assert.deepEqual(r.values.flatMap(eventBytes), eventBytes(body));
  });

  it('an event exactly at the limit fits; one byte more is refused, naming the event', () => {
    const items = [auditEvent(1), auditEvent(2, 900), auditEvent(3)];
    const { body, scan } = scanned(eventList(items));
    const biggest = scan.ends[1]! - scan.starts[1]!;
    const exact = packEvents(body, scan, SPLIT_OVERHEAD_BYTES + biggest);
    assert.ok(exact.ok);
    assert.ok(exact.values.every((v) => v.length <= SPLIT_OVERHEAD_BYTES + biggest));
    assert.deepEqual(packEvents(body, scan, SPLIT_OVERHEAD_BYTES + biggest - 1), { ok: false, eventIndex: 1, eventBytes: biggest });
  });

  it('an event too large by itself loses its request and response objects, annotated; the others stay byte for byte', () => {
    const big = { ...auditEvent(2), requestObject: { data: { blob: 'y'.repeat(3000) } }, responseObject: { kind: 'ConfigMap' } };
    const items = [auditEvent(1), big, auditEvent(3)];
    const { body, scan } = scanned(eventList(items));
    const r = packEvents(body, scan, 1500);
    assert.ok(r.ok && r.split);
    assert.equal(r.truncated, 1);
    assert.ok(r.values.every((v) => v.length <= 1500));
    const got = r.values.flatMap((v) => (JSON.parse(v.toString()) as { items: Record<string, unknown>[] }).items);
    assert.deepEqual(got[0], items[0]);
    assert.deepEqual(got[2], items[2]);
    const { requestObject: _request, responseObject: _response, ...metadata } = big as Record<string, unknown>;
    const annotations = got[1]!['annotations'] as Record<string, string>;
    assert.match(annotations[TRUNCATED_ANNOTATION]!, /^requestObject and responseObject dropped: the event was \d+ bytes/);
    assert.deepEqual({ ...got[1], annotations: { ...annotations, [TRUNCATED_ANNOTATION]: undefined } },
      { ...metadata, annotations: { ...(metadata['annotations'] as object), [TRUNCATED_ANNOTATION]: undefined } });
  });

  it('an event still too large without its objects is refused', () => {
    const big = { ...auditEvent(2, 3000), requestObject: { a: 1 } };
    const { body, scan } = scanned(eventList([auditEvent(1), big]));
    const r = packEvents(body, scan, 1500);
    assert.equal(r.ok, false);
    assert.equal(truncateEvent(Buffer.from('[1]')), undefined, 'not an object: nothing to truncate');
  });

  it('random sizes and limits: always within the limit, always the same events', () => {
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let k = 0; k < 200; k++) {
      const items = Array.from({ length: 1 + Math.floor(rand() * 30) }, (_, i) => auditEvent(i, Math.floor(rand() * 2000)));
      const { body, scan } = scanned(eventList(items));
      const limit = 600 + Math.floor(rand() * 6000);
      const r = packEvents(body, scan, limit);
      const largest = Math.max(...scan.starts.map((s, i) => scan.ends[i]! - s));
      if (body.length > limit && SPLIT_OVERHEAD_BYTES + largest > limit) {
        assert.equal(r.ok, false);
        continue;
      }
      assert.ok(r.ok);
      assert.ok(r.values.every((v) => v.length <= limit));
      assert.deepEqual(r.values.flatMap(eventBytes), eventBytes(body));
    }
  });
});
