/**
 * scanAudit against JSON.parse, over generated bodies (fast-check, fixed seed): audit-shaped ones, arbitrary JSON,
 * and both with a few bytes deleted, inserted or replaced. The oracle parses with JSON.parse and classifies the value
 * by the shapes audit-scan.ts documents; the scanner must agree on validity (its syntax errors are exactly
 * JSON.parse's, plus the two strictnesses it adds on purpose: unpaired surrogate escapes and nesting deeper than
 * 512), on the audit shape, and on the events: each range it returns is the bytes of one event, in order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_MAX_DEPTH, scanAudit } from './audit-scan.js';

const RUNS = { seed: 20_261_124, numRuns: 600 };

type Verdict =
  /** `why`: the scanner reports the first problem in the text, so any of these may be its message. */
  | { readonly kind: 'json'; readonly why: readonly ('syntax' | 'surrogate' | 'depth')[] }
  | { readonly kind: 'shape' }
  | { readonly kind: 'ok'; readonly events: readonly unknown[] };

/** What a reader that parses with JSON.parse, then classifies, would decide. */
function oracle(text: string): Verdict {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'json', why: ['syntax'] };
  }
  const why = [
    ...(hasLoneSurrogate(value) ? ['surrogate' as const] : []),
    ...(depthOf(value) > DEFAULT_MAX_DEPTH ? ['depth' as const] : []),
  ];
  if (why.length > 0) return { kind: 'json', why };
  const events = auditEvents(value);
  return events === undefined ? { kind: 'shape' } : { kind: 'ok', events };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The shapes: an Event, an EventList whose items are objects (or null), or an array of those. */
function auditEvents(value: unknown): unknown[] | undefined {
  const one = (v: unknown): unknown[] | undefined => {
    if (!isObject(v)) return undefined;
    if (v['kind'] === 'Event') return [v];
    if (v['kind'] !== 'EventList') return undefined;
    if (v['items'] === null) return [];
    const items = v['items'];
    return Array.isArray(items) && items.every(isObject) ? items : undefined;
  };
  if (!Array.isArray(value)) return one(value);
  const out: unknown[] = [];
  for (const v of value) {
    const events = one(v);
    if (events === undefined) return undefined;
    out.push(...events);
  }
  return out;
}

function hasLoneSurrogate(v: unknown): boolean {
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  if (typeof v === 'string') return lone.test(v);
  if (Array.isArray(v)) return v.some(hasLoneSurrogate);
  if (isObject(v)) return Object.entries(v).some(([k, x]) => lone.test(k) || hasLoneSurrogate(x));
  return false;
}

/** Containers nested, the outermost counting 1. */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (isObject(v)) return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

function agree(text: string): void {
  const body = Buffer.from(text, 'utf8');
  // What the bytes say (a raw lone surrogate in `text` is encoded as U+FFFD), not what the JS string said.
  const want = oracle(body.toString('utf8'));
  const got = scanAudit(body);
  if (want.kind === 'json') {
    assert.equal(got.ok, false, `the scan accepted what is refused for: ${want.why.join(', ')}`);
    assert.equal(!got.ok && got.kind, 'json');
    if (!want.why.includes('syntax')) {
      const expected = new RegExp(want.why.map((w) => (w === 'surrogate' ? 'surrogate' : 'nesting')).join('|'));
      assert.match(!got.ok ? got.message : '', expected);
    }
    return;
  }
  if (want.kind === 'shape') {
    assert.equal(got.ok, false, 'the scan accepted what is not audit events');
    assert.equal(!got.ok && got.kind, 'shape', !got.ok ? got.message : '');
    return;
  }
  assert.ok(got.ok, `the scan refused a valid audit body: ${!got.ok ? got.message : ''}`);
  assert.equal(got.count, want.events.length);
  const ranges = got.starts.map((s, i) => JSON.parse(body.subarray(s, got.ends[i]).toString('utf8')) as unknown);
  assert.deepEqual(ranges, want.events);
}

/** Any JSON value, now and then with a string holding a lone surrogate or a deep nest near the limit. */
const member = fc.oneof(
  { weight: 8, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom('\uD800', 'a\uDC00', '\uD83D\uDE00', '\uDBFF\uDFFF') },
  { weight: 1, arbitrary: fc.integer({ min: DEFAULT_MAX_DEPTH - 3, max: DEFAULT_MAX_DEPTH + 1 }).map((n) => nest(n)) },
);

function nest(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

const event = fc.dictionary(fc.string({ maxLength: 6 }), member, { maxKeys: 5 }).map((m) => ({ ...m, kind: 'Event' }));
const auditValue = fc.oneof(
  event,
  fc.record({ kind: fc.constant('EventList'), apiVersion: fc.constant('audit.k8s.io/v1'), items: fc.oneof(fc.array(event, { maxLength: 4 }), fc.constant(null)) }),
  fc.array(fc.oneof(event, fc.record({ kind: fc.constant('EventList'), items: fc.array(event, { maxLength: 3 }) })), { maxLength: 4 }),
  // Near misses: a wrong kind, items of the wrong type, a kind that is not a string.
  fc.record({ kind: fc.constantFrom('Event ', 'event', 'EventList', 'Status', 1, null), items: fc.jsonValue({ maxDepth: 2 }) }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** JSON text of a value: compact or indented, and sometimes with kind, Event or items written with \u escapes. */
const bodyText = fc.tuple(auditValue, fc.constantFrom(0, 1, '\t'), fc.boolean()).map(([v, indent, escape]) => {
  const text = JSON.stringify(v, null, indent);
  return escape ? text.replace(/"(kind|items|Event|EventList)"/g, (_m, w: string) => `"\\u00${w.charCodeAt(0).toString(16)}${w.slice(1)}"`) : text;
});

const EDIT_CHARS = [...'{}[]":,\\ \t\n0123456789-+.eEtfnul', 'a', 'é', '\u0000', '\\u', '\\ud800', '\\udc00'];

/** A few bytes of a text deleted, inserted or replaced. */
const edited = fc.tuple(bodyText, fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom(...EDIT_CHARS)), { minLength: 1, maxLength: 3 }))
  .map(([text, edits]) => edits.reduce((t, [at, op, ch]) => {
    const i = t.length === 0 ? 0 : at % (t.length + 1);
    if (op === 'delete') return t.slice(0, i) + t.slice(i + 1);
    if (op === 'insert') return t.slice(0, i) + ch + t.slice(i);
    return t.slice(0, i) + ch + t.slice(i + 1);
  }, text));

test('on well-formed bodies the scan agrees with JSON.parse and the audit shapes, event for event', () => {
  fc.assert(fc.property(bodyText, agree), RUNS);
});

test('on bodies with a few bytes changed, the scan accepts exactly what JSON.parse accepts (and the shapes allow)', () => {
  fc.assert(fc.property(edited, agree), RUNS);
});

test('truncated bodies: every prefix of an audit body is judged as JSON.parse judges it', () => {
  fc.assert(fc.property(bodyText, (text) => {
    for (let n = 0; n < text.length; n += Math.max(1, Math.floor(text.length / 40))) agree(text.slice(0, n));
  }), { ...RUNS, numRuns: 120 });
});
