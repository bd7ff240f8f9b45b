/**
 * Generated webhook bodies for the scanner's property tests (fast-check): audit-shaped values and near misses, as
 * compact or indented JSON, sometimes with escaped keys, and the same with a few bytes changed.
 */
import fc from 'fast-check';
import { DEFAULT_MAX_DEPTH } from './audit-scan.js';

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
export const bodyText = fc.tuple(auditValue, fc.constantFrom(0, 1, '\t'), fc.boolean()).map(([v, indent, escape]) => {
  const text = JSON.stringify(v, null, indent);
  return escape ? text.replace(/"(kind|items|Event|EventList)"/g, (_m, w: string) => `"\\u00${w.charCodeAt(0).toString(16)}${w.slice(1)}"`) : text;
});

const EDIT_CHARS = [...'{}[]":,\\ \t\n0123456789-+.eEtfnul', 'a', 'é', '\u0000', '\\u', '\\ud800', '\\udc00'];

/** A few bytes of a text deleted, inserted or replaced. */
export const edited = fc.tuple(bodyText, fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom(...EDIT_CHARS)), { minLength: 1, maxLength: 3 }))
  .map(([text, edits]) => edits.reduce((t, [at, op, ch]) => {
    const i = t.length === 0 ? 0 : at % (t.length + 1);
    if (op === 'delete') return t.slice(0, i) + t.slice(i + 1);
    if (op === 'insert') return t.slice(0, i) + ch + t.slice(i);
    return t.slice(0, i) + ch + t.slice(i + 1);
  }, text));

