import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanAudit } from './audit-scan.js';
import { scanJsonLines } from './json-lines.js';
import { packEvents } from './split.js';

const event = (id: string) => JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: id, stage: 'ResponseComplete' });
const eventList = (...ids: string[]) => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: ids.map((i) => JSON.parse(event(i)) as unknown) });

test('JSON lines: the events of every line, in order, with offsets into the whole body', () => {
  const body = Buffer.from(`${event('a')}\n\n${eventList('b', 'c')}\r\n  \n${event('d')}`);
  assert.equal(scanAudit(body).ok, false, 'not one JSON document');
  const scan = scanJsonLines(body);
  assert.ok(scan.ok);
  assert.equal(scan.shape, 'Lines');
  const ids = scan.starts.map((s, i) => (JSON.parse(body.subarray(s, scan.ends[i]).toString()) as { auditID: string }).auditID);
  assert.deepEqual(ids, ['a', 'b', 'c', 'd']);
});

test('JSON lines: a bad line makes the body bad, and the error names the line', () => {
  const scan = scanJsonLines(Buffer.from(`${event('a')}\n{"kind":"Pod"}\n`));
  assert.equal(scan.ok, false);
  assert.ok(!scan.ok && /^line 2: /.test(scan.message) && scan.kind === 'shape');
  const broken = scanJsonLines(Buffer.from(`${event('a')}\n${event('b')}\n{"kind":`));
  assert.ok(!broken.ok && broken.kind === 'json' && broken.message.startsWith('line 3: '));
});

test('JSON lines are always re-wrapped into EventLists, even when small', () => {
  const body = Buffer.from(`${event('a')}\n${event('b')}\n`);
  const scan = scanJsonLines(body);
  assert.ok(scan.ok);
  const packed = packEvents(body, scan, 1024 * 1024);
  assert.ok(packed.ok);
  assert.equal(packed.values.length, 1);
  const list = JSON.parse(packed.values[0]!.toString()) as { kind: string; items: { auditID: string }[] };
  assert.equal(list.kind, 'EventList');
  assert.deepEqual(list.items.map((e) => e.auditID), ['a', 'b']);
});
