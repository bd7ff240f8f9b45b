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
import { bodyText, edited } from './audit-scan.arbitraries.js';

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
