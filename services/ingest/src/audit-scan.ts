/**
 * The audit-body scanner: decides, over the raw bytes of a webhook body and without building a single object, whether
 * the body is (1) valid JSON and (2) what a kube-apiserver sends, and where each audit event sits in it. Ingest writes
 * bodies to the bus as received, so this scan is the only validation a body gets before it is acknowledged; the
 * invariant it owns: a body it accepts is strict JSON (UTF-8, RFC 8259, paired surrogate escapes, nesting at most
 * `maxDepth`) of one of the shapes below, and the ranges it returns are exactly the events a JSON.parse-based reader
 * would find, in order. It never throws, whatever the input.
 *
 * Shapes (the same as Falco's k8saudit `ParseAuditEventsJSON`, with "last duplicate key wins" as in JSON.parse):
 *
 *   body      = ws ( audit-object | "[" [ audit-object *( "," audit-object ) ] "]" ) ws
 *   audit-object: an object whose "kind" is the string "EventList" and whose "items" is an array of objects (or null,
 *                 which is how Go encodes an empty slice): each item is one event;
 *                 or an object whose "kind" is "Event": the object is one event.
 *
 * Anything else that is valid JSON is a shape error ("data not recognized as a k8s audit event"); a syntax error wins
 * over a shape error, so the verdict is the one a reader that first parses, then classifies, would give.
 *
 * How: one forward pass with recursive descent (depth is capped, so recursion is bounded), UTF-8 validated once for the
 * whole buffer by node's native `isUtf8` (simdutf): after that, bytes >= 0x80 can only be string content, and any
 * outside a string is a syntax error found by the structural pass. Keys are compared as bytes; only a key or kind
 * written with escapes (never seen from an apiserver) takes the slow decode path. The pass keeps its state in module
 * variables (it is synchronous, so calls cannot interleave) and drops the buffer reference when it returns.
 */
import { isUtf8 } from 'node:buffer';

/** Containers nested deeper than this make the body invalid (Falco's fastjson has the same kind of cap). */
export const DEFAULT_MAX_DEPTH = 512;

export type AuditShape = 'EventList' | 'Event' | 'Array' | 'Lines';

/** The body is acceptable: `count` events, the i-th at bytes [starts[i], ends[i]) of the body. */
export interface AuditScanOk {
  readonly ok: true;
  readonly shape: AuditShape;
  readonly count: number;
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/**
 * The body is not acceptable. `kind` is `json` for a syntax (or encoding, or depth) error and `shape` for valid JSON
 * that is not audit events; `offset` is the byte where the problem was found; `message` is safe to return to the client
 * (it never quotes the body).
 */
export interface AuditScanError {
  readonly ok: false;
  readonly kind: 'json' | 'shape';
  readonly message: string;
  readonly offset: number;
}

export type AuditScanResult = AuditScanOk | AuditScanError;

/** The syntax error of a body that holds more than one JSON value (JSON lines are read by json-lines.ts). */
export const TRAILING_DATA_MESSAGE = 'unexpected data after the JSON value';

/** Falco's wording, kept so that operators searching for it find both. */
export const NOT_AUDIT_MESSAGE = 'data not recognized as a k8s audit event';

const EMPTY = new Uint8Array(0);

// --- scan state (module-level: the scan is synchronous and not re-entrant) -----------------------------------------
let b: Uint8Array = EMPTY;
let n = 0;
let maxDepth = DEFAULT_MAX_DEPTH;
let errAt = -1;
let errMsg = '';
let shapeAt = -1;
let starts: number[] = [];
let ends: number[] = [];
/** Set by itemsArray(): every element was an object. */
let itemsAllObjects = true;

/**
 * Scans a webhook body. Never throws; the returned arrays are fresh (owned by the caller). Costs one pass over the
 * bytes plus the native UTF-8 check; allocates only the two range arrays.
 */
export function scanAudit(body: Uint8Array, options: { readonly maxDepth?: number } = {}): AuditScanResult {
  try {
    return run(body, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  } catch {
    // Unreachable by construction (every read is bounds-checked, recursion is capped); a last guard so that a bug here
    // answers 400 to one request instead of failing the route.
    return { ok: false, kind: 'json', message: 'body could not be scanned', offset: 0 };
  } finally {
    b = EMPTY; // do not keep a 64 MiB body alive until the next call
    starts = [];
    ends = [];
  }
}

function run(body: Uint8Array, depthCap: number): AuditScanResult {
  b = body;
  n = body.length;
  maxDepth = depthCap;
  errAt = -1;
  errMsg = '';
  shapeAt = -1;
  topKind = KIND_OTHER;
  starts = [];
  ends = [];

  if (!isUtf8(body)) return { ok: false, kind: 'json', message: 'body is not valid UTF-8', offset: 0 };
  let i = ws(0);
  if (i >= n) return { ok: false, kind: 'json', message: 'body is empty', offset: i };
  const top = b[i]!;
  if (top === 0x7b /* { */) {
    i = auditObject(i, 1);
  } else if (top === 0x5b /* [ */) {
    i = auditArray(i);
  } else {
    shapeError(i);
    i = value(i, 0);
  }
  if (i >= 0) {
    i = ws(i);
    if (i !== n) i = fail(i, TRAILING_DATA_MESSAGE);
  }
  if (i < 0) return { ok: false, kind: 'json', message: `body is not valid JSON: ${errMsg} at byte ${errAt}`, offset: errAt };
  if (shapeAt >= 0) return { ok: false, kind: 'shape', message: NOT_AUDIT_MESSAGE, offset: shapeAt };
  const shape: AuditShape = top === 0x5b ? 'Array' : topKind === KIND_EVENT ? 'Event' : 'EventList';
  return { ok: true, shape, count: starts.length, starts, ends };
}

function fail(at: number, message: string): number {
  if (errAt < 0) {
    errAt = at;
    errMsg = message;
  }
  return -1;
}

function shapeError(at: number): void {
  if (shapeAt < 0) shapeAt = at;
}

function ws(i: number): number {
  while (i < n) {
    const c = b[i]!;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else break;
  }
  return i;
}

// --- generic JSON ------------------------------------------------------------------------------------------------

/** A value starting at `i` (no leading whitespace) inside a container at `depth`; returns its end or -1. */
function value(i: number, depth: number): number {
  if (i >= n) return fail(i, 'unexpected end of input');
  const c = b[i]!;
  if (c === 0x22) return string(i);
  if (c === 0x7b) return object(i, depth + 1);
  if (c === 0x5b) return array(i, depth + 1);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return number(i);
  if (c === 0x74) return literal(i, TRUE);
  if (c === 0x66) return literal(i, FALSE);
  if (c === 0x6e) return literal(i, NULL);
  return fail(i, c >= 0x80 ? 'unexpected non-ASCII byte' : `unexpected character '${printable(c)}'`);
}

function object(i: number, depth: number): number {
  if (depth > maxDepth) return fail(i, `nesting deeper than ${maxDepth}`);
  i = ws(i + 1);
  if (b[i] === 0x7d) return i + 1;
  for (;;) {
    if (b[i] !== 0x22) return fail(i, i >= n ? 'unexpected end of input' : 'expected a string key');
    i = string(i);
    if (i < 0) return -1;
    i = ws(i);
    if (b[i] !== 0x3a) return fail(i, "expected ':'");
    i = value(ws(i + 1), depth);
    if (i < 0) return -1;
    i = ws(i);
    const c = b[i];
    if (c === 0x2c) {
      i = ws(i + 1);
      continue;
    }
    if (c === 0x7d) return i + 1;
    return fail(i, i >= n ? 'unexpected end of input' : "expected ',' or '}'");
  }
}

function array(i: number, depth: number): number {
  if (depth > maxDepth) return fail(i, `nesting deeper than ${maxDepth}`);
  i = ws(i + 1);
  if (b[i] === 0x5d) return i + 1;
  for (;;) {
    i = value(i, depth);
    if (i < 0) return -1;
    i = ws(i);
    const c = b[i];
    if (c === 0x2c) {
      i = ws(i + 1);
      continue;
    }
    if (c === 0x5d) return i + 1;
    return fail(i, i >= n ? 'unexpected end of input' : "expected ',' or ']'");
  }
}

/**
 * A string token at `i` (the opening quote); returns the index after the closing quote. The hot loop of the scanner:
 * most of an audit body is string content. UTF-8 validity was checked for the whole buffer already.
 */
function string(i: number): number {
  // Module state copied to locals: the loop below runs once per byte of string content.
  const buf = b;
  const end = n;
  i++;
  while (i < end) {
    const c = buf[i]!;
    if (c === 0x22) return i + 1;
    // Plain content first: one comparison for the common byte.
    if (c > 0x5c || (c >= 0x20 && c !== 0x5c)) {
      i++;
      continue;
    }
    if (c === 0x5c) {
      const e = b[i + 1];
      if (e === 0x75 /* u */) {
        const u = hex4(i + 2);
        if (u < 0) return fail(i, 'invalid \\u escape');
        if (u >= 0xd800 && u <= 0xdbff) {
          // A high surrogate must be followed by an escaped low one: a lone surrogate is not a character, and cannot be
          // re-encoded as UTF-8 by a downstream reader.
          if (b[i + 6] !== 0x5c || b[i + 7] !== 0x75) return fail(i, 'unpaired surrogate escape');
          const lo = hex4(i + 8);
          if (lo < 0xdc00 || lo > 0xdfff) return fail(i, 'unpaired surrogate escape');
          i += 12;
        } else if (u >= 0xdc00 && u <= 0xdfff) {
          return fail(i, 'unpaired surrogate escape');
        } else {
          i += 6;
        }
      } else if (e !== undefined && SIMPLE_ESCAPE[e] === 1) {
        i += 2;
      } else {
        return fail(i, 'invalid escape');
      }
    } else {
      return fail(i, 'control character in string');
    }
  }
  return fail(n, 'unterminated string');
}

/** The value of 4 hex digits at `j`, or -1. */
function hex4(j: number): number {
  if (j + 4 > n) return -1;
  const a = HEX[b[j]!]!;
  const c = HEX[b[j + 1]!]!;
  const d = HEX[b[j + 2]!]!;
  const e = HEX[b[j + 3]!]!;
  if ((a | c | d | e) < 0) return -1;
  return (a << 12) | (c << 8) | (d << 4) | e;
}

function number(i: number): number {
  const start = i;
  if (b[i] === 0x2d) i++;
  const first = i < n ? b[i]! : -1;
  if (first === 0x30) {
    i++;
  } else if (first >= 0x31 && first <= 0x39) {
    i = digits(i + 1);
  } else {
    return fail(start, 'invalid number');
  }
  if (i < n && b[i] === 0x2e) {
    if (!isDigit(i + 1)) return fail(start, 'invalid number');
    i = digits(i + 1);
  }
  if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < n && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    if (!isDigit(i)) return fail(start, 'invalid number');
    i = digits(i);
  }
  return i;
}

function isDigit(i: number): boolean {
  if (i >= n) return false;
  const c = b[i]!;
  return c >= 0x30 && c <= 0x39;
}

function digits(i: number): number {
  while (i < n) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  return i;
}

function literal(i: number, word: Uint8Array): number {
  if (i + word.length > n) return fail(i, 'invalid literal');
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return fail(i, 'invalid literal');
  return i + word.length;
}

// --- the audit shapes --------------------------------------------------------------------------------------------

const KIND_OTHER = 0;
const KIND_EVENT = 1;
const KIND_EVENT_LIST = 2;
/** The kind of the last audit object finished at the top level (read by run() for a top-level object). */
let topKind = KIND_OTHER;

const ITEMS_ABSENT = 0;
const ITEMS_OK = 1;
const ITEMS_BAD = 2;

/** A top-level array: each element must be an audit object. */
function auditArray(i: number): number {
  i = ws(i + 1);
  if (b[i] === 0x5d) return i + 1;
  for (;;) {
    if (b[i] === 0x7b) {
      i = auditObject(i, 2);
    } else {
      shapeError(i);
      i = value(i, 1);
    }
    if (i < 0) return -1;
    i = ws(i);
    const c = b[i];
    if (c === 0x2c) {
      i = ws(i + 1);
      continue;
    }
    if (c === 0x5d) return i + 1;
    return fail(i, i >= n ? 'unexpected end of input' : "expected ',' or ']'");
  }
}

/**
 * An object that must be an Event or an EventList, at `depth`. Pushes its events' ranges (or records a shape error)
 * and returns its end, or -1 on a syntax error. Duplicate keys: the last "kind" and the last "items" count, and the
 * ranges of an earlier "items" are dropped, which is what JSON.parse-then-read would see.
 */
function auditObject(i: number, depth: number): number {
  if (depth > maxDepth) return fail(i, `nesting deeper than ${maxDepth}`);
  const objectStart = i;
  const mark = starts.length;
  let kind = KIND_OTHER;
  let items = ITEMS_ABSENT;
  i = ws(i + 1);
  if (b[i] === 0x7d) {
    i++;
  } else {
    for (;;) {
      if (b[i] !== 0x22) return fail(i, i >= n ? 'unexpected end of input' : 'expected a string key');
      const keyStart = i;
      i = string(i);
      if (i < 0) return -1;
      const key = i - keyStart === 6 && tokenIs(keyStart, i, KIND) ? KEY_KIND
        : i - keyStart === 7 && tokenIs(keyStart, i, ITEMS) ? KEY_ITEMS
          : hasEscape(keyStart, i) ? slowKey(keyStart, i) : KEY_OTHER;
      i = ws(i);
      if (b[i] !== 0x3a) return fail(i, "expected ':'");
      i = ws(i + 1);
      if (key === KEY_KIND) {
        const valueStart = i;
        i = value(i, depth);
        if (i < 0) return -1;
        kind = b[valueStart] === 0x22 ? kindOf(valueStart, i) : KIND_OTHER;
      } else if (key === KEY_ITEMS) {
        starts.length = mark;
        ends.length = mark;
        if (b[i] === 0x5b) {
          i = itemsArray(i, depth + 1);
          items = itemsAllObjects ? ITEMS_OK : ITEMS_BAD;
        } else {
          const valueStart = i;
          i = value(i, depth);
          items = i >= 0 && b[valueStart] === 0x6e /* null */ ? ITEMS_OK : ITEMS_BAD;
        }
        if (i < 0) return -1;
      } else {
        i = value(i, depth);
        if (i < 0) return -1;
      }
      i = ws(i);
      const c = b[i];
      if (c === 0x2c) {
        i = ws(i + 1);
        continue;
      }
      if (c === 0x7d) {
        i++;
        break;
      }
      return fail(i, i >= n ? 'unexpected end of input' : "expected ',' or '}'");
    }
  }
  if (kind === KIND_EVENT) {
    starts.length = mark;
    ends.length = mark;
    starts.push(objectStart);
    ends.push(i);
  } else if (kind !== KIND_EVENT_LIST || items !== ITEMS_OK) {
    starts.length = mark;
    ends.length = mark;
    shapeError(objectStart);
  }
  topKind = kind;
  return i;
}

/** The "items" array: every element is recorded as an event range; `itemsAllObjects` says whether all were objects. */
function itemsArray(i: number, depth: number): number {
  itemsAllObjects = true;
  if (depth > maxDepth) return fail(i, `nesting deeper than ${maxDepth}`);
  i = ws(i + 1);
  if (b[i] === 0x5d) return i + 1;
  let allObjects = true;
  for (;;) {
    const start = i;
    if (b[i] !== 0x7b) allObjects = false;
    i = value(i, depth);
    if (i < 0) return -1;
    starts.push(start);
    ends.push(i);
    i = ws(i);
    const c = b[i];
    if (c === 0x2c) {
      i = ws(i + 1);
      continue;
    }
    if (c === 0x5d) {
      itemsAllObjects = allObjects;
      return i + 1;
    }
    return fail(i, i >= n ? 'unexpected end of input' : "expected ',' or ']'");
  }
}

const KEY_OTHER = 0;
const KEY_KIND = 1;
const KEY_ITEMS = 2;

/** The kind string token at [start, end) (quotes included). */
function kindOf(start: number, end: number): number {
  const len = end - start;
  if (len === 7 && tokenIs(start, end, EVENT)) return KIND_EVENT;
  if (len === 11 && tokenIs(start, end, EVENT_LIST)) return KIND_EVENT_LIST;
  if (!hasEscape(start, end)) return KIND_OTHER;
  const text = decodeAscii(start, end);
  return text === 'Event' ? KIND_EVENT : text === 'EventList' ? KIND_EVENT_LIST : KIND_OTHER;
}

function slowKey(start: number, end: number): number {
  const text = decodeAscii(start, end);
  return text === 'kind' ? KEY_KIND : text === 'items' ? KEY_ITEMS : KEY_OTHER;
}

/** Whether the string token at [start, end) is exactly `word` (which includes its quotes). */
function tokenIs(start: number, end: number, word: Uint8Array): boolean {
  if (end - start !== word.length) return false;
  for (let k = 1; k < word.length - 1; k++) if (b[start + k] !== word[k]) return false;
  return true;
}

function hasEscape(start: number, end: number): boolean {
  for (let k = start + 1; k < end - 1; k++) if (b[k] === 0x5c) return true;
  return false;
}

/**
 * Decodes a (valid) string token whose content is ASCII after unescaping; undefined when it contains anything else
 * (then it cannot equal one of the ASCII words we look for). Only for keys and kinds written with escapes.
 */
function decodeAscii(start: number, end: number): string | undefined {
  let out = '';
  for (let k = start + 1; k < end - 1;) {
    const c = b[k]!;
    if (c !== 0x5c) {
      if (c >= 0x80) return undefined;
      out += String.fromCharCode(c);
      k++;
      continue;
    }
    const e = b[k + 1]!;
    if (e === 0x75) {
      const u = hex4(k + 2);
      if (u < 0 || u >= 0x80) return undefined;
      out += String.fromCharCode(u);
      k += 6;
    } else {
      out += String.fromCharCode(UNESCAPE[e]!);
      k += 2;
    }
  }
  return out;
}

// --- tables ------------------------------------------------------------------------------------------------------

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const TRUE = ascii('true');
const FALSE = ascii('false');
const NULL = ascii('null');
const KIND = ascii('"kind"');
const ITEMS = ascii('"items"');
const EVENT = ascii('"Event"');
const EVENT_LIST = ascii('"EventList"');

const HEX = new Int8Array(256).fill(-1);
for (let d = 0; d < 10; d++) HEX[0x30 + d] = d;
for (let d = 0; d < 6; d++) {
  HEX[0x41 + d] = 10 + d;
  HEX[0x61 + d] = 10 + d;
}

/** The escapes after a backslash other than \u, and what each stands for. */
const SIMPLE_ESCAPE = new Uint8Array(256);
const UNESCAPE = new Uint8Array(256);
for (const [ch, to] of [['"', 0x22], ['\\', 0x5c], ['/', 0x2f], ['b', 0x08], ['f', 0x0c], ['n', 0x0a], ['r', 0x0d], ['t', 0x09]] as const) {
  SIMPLE_ESCAPE[ch.charCodeAt(0)] = 1;
  UNESCAPE[ch.charCodeAt(0)] = to;
}

function printable(c: number): string {
  return c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
}
