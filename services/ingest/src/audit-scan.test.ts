import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuditScanResult, NOT_AUDIT_MESSAGE, scanAudit } from './audit-scan.js';
import { auditEvent, eventList } from './test-support.js';

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The events of an accepted scan, each parsed from its byte range. */
function events(body: Buffer, r: AuditScanResult): unknown[] {
  assert.ok(r.ok, `expected the body to be accepted, got ${JSON.stringify(r)}`);
  return r.starts.map((s, i) => JSON.parse(body.subarray(s, r.ends[i]).toString('utf8')) as unknown);
}

function verdict(r: AuditScanResult): 'ok' | 'json' | 'shape' {
  return r.ok ? 'ok' : r.kind;
}

// --- the reference: what a reader that parses with JSON.parse and then classifies like Falco decides -------------

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function depthOk(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (depth + 1 > 512) return false;
  return Object.values(v).every((x) => depthOk(x, depth + 1));
}

function wellFormed(v: unknown): boolean {
  if (typeof v === 'string') return !LONE_SURROGATE.test(v);
  if (v === null || typeof v !== 'object') return true;
  return Object.entries(v).every(([k, x]) => !LONE_SURROGATE.test(k) && wellFormed(x));
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function classify(v: unknown): unknown[] | undefined {
  if (!isObject(v)) return undefined;
  if (v['kind'] === 'EventList') {
    const items = v['items'];
    if (items === null) return [];
    return Array.isArray(items) && items.every(isObject) ? items : undefined;
  }
  return v['kind'] === 'Event' ? [v] : undefined;
}

function reference(body: Buffer): { verdict: 'ok' | 'json' | 'shape'; events?: unknown[] } {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch {
    return { verdict: 'json' };
  }
  if (!depthOk(value, 0) || !wellFormed(value)) return { verdict: 'json' };
  const found: unknown[] = [];
  for (const element of Array.isArray(value) ? value : [value]) {
    const e = classify(element);
    if (!e) return { verdict: 'shape' };
    found.push(...e);
  }
  return { verdict: 'ok', events: found };
}

function agree(body: Buffer, context: string): void {
  let r: AuditScanResult;
  try {
    r = scanAudit(body);
  } catch (err) {
    assert.fail(`scanAudit threw on ${context}: ${String(err)}; body (base64) ${body.toString('base64')}`);
  }
  const ref = reference(body);
  assert.equal(verdict(r), ref.verdict, `${context}: scanner says ${JSON.stringify(r)}; body (base64) ${body.toString('base64')}`);
  if (r.ok) assert.deepEqual(events(body, r), ref.events, `${context}: event ranges; body (base64) ${body.toString('base64')}`);
}

// A small deterministic PRNG, so that a failure can be replayed from the printed seed.
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s = (s ^ (s >>> 13)) >>> 0;
    return s / 2 ** 32;
  };
}

describe('scanAudit: accepted shapes and event ranges', () => {
  it('an EventList: one range per item, byte-exact', () => {
    const items = [auditEvent(1), auditEvent(2), auditEvent(3)];
    const body = enc(JSON.stringify(eventList(items)));
    const r = scanAudit(body);
    assert.ok(r.ok);
    assert.equal(r.shape, 'EventList');
    assert.equal(r.count, 3);
    r.starts.forEach((s, i) => assert.equal(body.subarray(s, r.ends[i]).toString(), JSON.stringify(items[i])));
  });

  it('a pretty-printed EventList (whitespace everywhere)', () => {
    const items = [auditEvent(1), auditEvent(2)];
    const body = enc(`\n ${JSON.stringify(eventList(items), null, 3).replace(/\n/g, '\r\n\t')} \n`);
    assert.deepEqual(events(body, scanAudit(body)), items);
  });

  it('a single Event: the whole object is the event', () => {
    const body = enc(`  ${JSON.stringify(auditEvent(7))}\n`);
    const r = scanAudit(body);
    assert.ok(r.ok);
    assert.equal(r.shape, 'Event');
    assert.deepEqual(events(body, r), [auditEvent(7)]);
    assert.equal(body[r.starts[0]!], 0x7b);
    assert.equal(body[r.ends[0]! - 1], 0x7d);
  });

  it('an array of Events and EventLists, flattened in order', () => {
    const payload = [auditEvent(1), eventList([auditEvent(2), auditEvent(3)]), auditEvent(4), eventList([])];
    const body = enc(JSON.stringify(payload));
    const r = scanAudit(body);
    assert.equal(verdict(r), 'ok');
    assert.ok(r.ok && r.shape === 'Array');
    assert.deepEqual(events(body, r), [auditEvent(1), auditEvent(2), auditEvent(3), auditEvent(4)]);
  });

  it('audit.k8s.io/v1beta1 shapes', () => {
    const v1beta1 = { ...auditEvent(1, 0, 'audit.k8s.io/v1beta1'), timestamp: '2024-05-01T12:00:00Z' };
    for (const payload of [eventList([v1beta1], 'audit.k8s.io/v1beta1'), v1beta1, [v1beta1]]) {
      const body = enc(JSON.stringify(payload));
      assert.deepEqual(events(body, scanAudit(body)), [v1beta1]);
    }
  });

  it('empty lists: items [] or null (Go encodes an empty slice as null), and []', () => {
    for (const text of ['{"kind":"EventList","items":[]}', '{"kind":"EventList","items":null}', '[]', ' [ ] ']) {
      const r = scanAudit(enc(text));
      assert.ok(r.ok, text);
      assert.equal(r.count, 0, text);
    }
  });

  it('keys and kinds written with escapes are recognised (as JSON.parse reads them)', () => {
    const body = enc('{"ki\\u006ed":"Event\\u004cist","\\u0069tems":[{"a":1}]}');
    assert.deepEqual(events(body, scanAudit(body)), [{ a: 1 }]);
    agree(enc('{"kind":"\\u0045vent","x":"\\ud83d\\ude00"}'), 'escaped Event');
  });

  it('duplicate keys: the last kind and the last items win', () => {
    agree(enc('{"kind":"EventList","items":[{"a":1}],"items":[{"b":2},{"c":3}]}'), 'two items');
    agree(enc('{"kind":"Event","kind":"Other"}'), 'two kinds');
    agree(enc('{"kind":"EventList","items":[{"a":1}],"kind":"Event"}'), 'EventList then Event');
    agree(enc('{"kind":"EventList","items":[{"a":1}],"items":5}'), 'items then not an array');
  });

  it('values of every JSON type inside events', () => {
    const e = { kind: 'Event', n: [0, -0, 1.5, -2e-3, 3E+10, 12345678901234567890], b: [true, false, null], o: {}, a: [[]], s: '\u0000\u001f\u2028' };
    const body = enc(JSON.stringify(e));
    assert.deepEqual(events(body, scanAudit(body)), [JSON.parse(JSON.stringify(e)) as unknown]);
  });
});

describe('scanAudit: refused bodies', () => {
  const json = [
    '', '   ', '{', '}', '{"kind":"Event"', '{"kind":"Event",}', '{"kind":"Event"}x', '{"kind":"Event"} {}',
    '{"kind" "Event"}', "{'kind':'Event'}", '{kind:"Event"}', '[{"kind":"Event"},]', '[,]', '{"kind":"Event","n":01}',
    '{"kind":"Event","n":1.}', '{"kind":"Event","n":.5}', '{"kind":"Event","n":-}', '{"kind":"Event","n":1e}',
    '{"kind":"Event","n":+1}', '{"kind":"Event","n":NaN}', '{"kind":"Event","b":tru}', '{"kind":"Event","b":nul}',
    '{"kind":"Event","s":"a\nb"}', '{"kind":"Event","s":"\\x"}', '{"kind":"Event","s":"\\u12"}', '{"kind":"Event","s":"\\u12G4"}',
    '{"kind":"Event","s":"unterminated}', '{"kind":"Event","s":"\\ud800"}', '{"kind":"Event","s":"\\udc00"}',
    '{"kind":"Event","s":"\\ud800\\u0041"}', '{"kind":"Event","s":"\\ud800x"}', '\ufeff{"kind":"Event"}',
  ];
  for (const text of json) {
    it(`invalid JSON: ${JSON.stringify(text).slice(0, 50)}`, () => {
      const r = scanAudit(enc(text));
      assert.equal(verdict(r), 'json');
      assert.ok(!r.ok && /^body is (not valid JSON|empty|not valid UTF-8)/.test(r.message), JSON.stringify(r));
      assert.equal(reference(enc(text)).verdict, 'json', 'the reference agrees');
    });
  }

  it('invalid UTF-8: overlong, encoded surrogate, truncated sequence, stray continuation byte', () => {
    for (const bytes of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf5, 0x80, 0x80, 0x80]]) {
      const body = Buffer.concat([enc('{"kind":"Event","s":"'), Buffer.from(bytes), enc('"}')]);
      const r = scanAudit(body);
      assert.ok(!r.ok && r.kind === 'json' && r.message === 'body is not valid UTF-8');
      assert.equal(reference(body).verdict, 'json');
    }
  });

  const shapes = [
    '{}', '{"kind":"Pod"}', '{"kind":"EventList"}', '{"kind":"EventList","items":{}}', '{"kind":"EventList","items":[1]}',
    '{"kind":"EventList","items":[{"a":1},[]]}', '{"kind":1}', '{"kind":null}', '{"Kind":"Event"}', '"Event"', '42', 'null',
    '[1]', '[{"kind":"Event"},{"kind":"Pod"}]', '[[{"kind":"Event"}]]', '{"kind":"event"}', '{"kind":"Event "}',
  ];
  for (const text of shapes) {
    it(`valid JSON, not audit events: ${text}`, () => {
      const r = scanAudit(enc(text));
      assert.ok(!r.ok && r.kind === 'shape' && r.message === NOT_AUDIT_MESSAGE, JSON.stringify(r));
      assert.equal(reference(enc(text)).verdict, 'shape', 'the reference agrees');
    });
  }

  it('a syntax error after a shape error is reported as a syntax error', () => {
    assert.equal(verdict(scanAudit(enc('[1, {"kind":"Event"}, }'))), 'json');
    assert.equal(verdict(scanAudit(enc('{"kind":"Pod","x":[1,2}'))), 'json');
  });

  it('nesting: 512 levels are accepted, 513 are not, and a million do not overflow the stack', () => {
    const nest = (depth: number) => enc(`{"kind":"Event","x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`);
    assert.equal(verdict(scanAudit(nest(512))), 'ok');
    const r = scanAudit(nest(513));
    assert.ok(!r.ok && r.kind === 'json' && /nesting deeper than 512/.test(r.message));
    assert.equal(verdict(scanAudit(enc('['.repeat(1_000_000)))), 'json');
    assert.equal(verdict(scanAudit(enc('{"a":'.repeat(1_000_000)))), 'json');
    assert.equal(verdict(scanAudit(nest(20), { maxDepth: 10 })), 'json');
  });

  it('reports where the problem is', () => {
    const r = scanAudit(enc('{"kind":"Event","n":01}'));
    assert.ok(!r.ok);
    assert.equal(r.offset, 21);
    assert.match(r.message, /at byte 21$/);
  });
});

describe('scanAudit: fuzz (never throws; agrees with JSON.parse-then-classify)', () => {
  const corpus = [
    JSON.stringify(eventList([auditEvent(1), auditEvent(2, 30), auditEvent(3)])),
    JSON.stringify(eventList([auditEvent(4)]), null, 2),
    JSON.stringify(auditEvent(5)),
    JSON.stringify([auditEvent(6), eventList([auditEvent(7)])]),
    JSON.stringify(eventList([{ ...auditEvent(8, 0, 'audit.k8s.io/v1beta1'), timestamp: '2024-05-01T12:00:00Z' }], 'audit.k8s.io/v1beta1')),
    '{"kind":"EventList","items":[{"n":[-1.5e+3,0,true,false,null],"s":"\\u00e9\\ud83d\\ude00\\n\\"","o":{"":{}}}]}',
    '{"kind":"EventList","items":null}',
    '[{"kind":"Event","x":[[[{}]]]}]',
  ].map(enc);
  const alphabet = enc('{}[],:" \\/0123456789.-+eEtrufalsnbu\nkindEventLstm\u00e9');

  it('random bytes', () => {
    const seed = 20240501;
    const rand = prng(seed);
    for (let k = 0; k < 4000; k++) {
      const len = Math.floor(rand() * 48);
      const body = Buffer.alloc(len);
      const pool = k % 2 === 0 ? undefined : alphabet;
      for (let i = 0; i < len; i++) body[i] = pool ? pool[Math.floor(rand() * pool.length)]! : Math.floor(rand() * 256);
      agree(body, `random #${k} (seed ${seed})`);
    }
  });

  it('mutated valid bodies', () => {
    const seed = 1103515245;
    const rand = prng(seed);
    const pickByte = () => (rand() < 0.6 ? alphabet[Math.floor(rand() * alphabet.length)]! : Math.floor(rand() * 256));
    let accepted = 0;
    for (let k = 0; k < 12000; k++) {
      let body = Buffer.from(corpus[k % corpus.length]!);
      const mutations = 1 + Math.floor(rand() * 3);
      for (let m = 0; m < mutations && body.length > 0; m++) {
        const at = Math.floor(rand() * body.length);
        const op = Math.floor(rand() * 6);
        if (op === 0) body[at] = pickByte(); // replace
        else if (op === 1) body = Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]); // delete
        else if (op === 2) body = Buffer.concat([body.subarray(0, at), Buffer.from([pickByte()]), body.subarray(at)]); // insert
        else if (op === 3) body = body.subarray(0, at); // truncate
        else if (op === 4) { // duplicate a slice
          const len = Math.floor(rand() * 24);
          body = Buffer.concat([body.subarray(0, at), body.subarray(at, at + len), body.subarray(at)]);
        } else { // swap two bytes
          const other = Math.floor(rand() * body.length);
          const t = body[at]!;
          body[at] = body[other]!;
          body[other] = t;
        }
      }
      agree(body, `mutation #${k} (seed ${seed})`);
      if (scanAudit(body).ok) accepted++;
    }
    // The mutations must exercise both verdicts, or the comparison proves little.
    assert.ok(accepted > 500, `only ${accepted} mutated bodies were still acceptable`);
  });
});
