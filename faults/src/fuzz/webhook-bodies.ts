/**
 * The webhook fuzzer's requests: bodies an apiserver sends (EventLists, Events, arrays, JSON lines) and everything a
 * broken or hostile client may send instead: JSON cut at every kind of position, wrong types in every field of an
 * Event, deep nesting, strings of megabytes, invalid UTF-8, lone surrogate escapes, numbers for strings, NaN-like
 * tokens, duplicate keys, empty and oversized bodies, wrong content types and encodings, JSON lines with bad lines,
 * EventLists mixing good and bad events, bytes changed at random. Request i depends on (seed, i) only. What each must
 * get back is not decided here but by webhook-oracle.ts.
 */
import type { Random } from './random.js';
import type { WebhookRequest } from './webhook-oracle.js';

export const CLUSTERS = ['fuzz-a', 'fuzz-b', 'fuzz.c', 'Fuzz_D-1'];

export interface FuzzRequest extends WebhookRequest {
  /** What the generator meant to make (the report counts by it); the oracle decides the answer. */
  readonly kind: string;
}

type Json = Record<string, unknown>;

/** Sizes the generator aims at, from the webhook's limits (so that big bodies land on each side of each limit). */
export interface SizePlan {
  readonly maxBodyBytes: number;
  readonly maxMessageBytes: number;
}

const KINDS = [
  [14, 'valid'], [9, 'truncated'], [12, 'wrong-type'], [10, 'bad-events'], [2, 'deep'], [5, 'invalid-utf8'],
  [5, 'surrogate'], [5, 'number-for-string'], [5, 'nan-like'], [5, 'duplicate-keys'], [2, 'empty'],
  [4, 'content-type'], [3, 'content-encoding'], [5, 'json-lines'], [4, 'not-audit'], [6, 'byte-edits'],
  [1, 'method'], [1, 'cluster'],
] as const;

/** Request i: `events` are real audit events (rules/tests: most fire a rule), reused in every body. */
export function fuzzRequest(rnd: Random, events: readonly Json[]): FuzzRequest {
  const kind = rnd.weighted(KINDS);
  const cluster = rnd.pick(CLUSTERS);
  const post = (body: Buffer | string, extra: Partial<FuzzRequest> = {}): FuzzRequest => ({
    kind, method: 'POST', cluster, contentType: 'application/json', body: typeof body === 'string' ? Buffer.from(body) : body, ...extra,
  });
  const some = (n: number) => Array.from({ length: n }, () => structuredClone(rnd.pick(events)));
  switch (kind) {
    case 'valid':
      return post(validBody(rnd, some(rnd.between(1, 40))));
    case 'truncated':
      return post(truncate(validBody(rnd, some(rnd.between(1, 5))), rnd));
    case 'wrong-type': {
      const list = some(rnd.between(1, 5));
      const target = rnd.pick(list);
      setAtRandomPath(target, wrongValue(rnd), rnd);
      return post(rnd.chance(0.7) ? JSON.stringify(eventList(list)) : JSON.stringify(target));
    }
    case 'bad-events': {
      const list = some(rnd.between(2, 20));
      for (const e of list) if (rnd.chance(0.4)) breakTimestamp(e, rnd);
      return post(JSON.stringify(rnd.chance(0.8) ? eventList(list) : list));
    }
    case 'deep':
      return post(deepBody(rnd, some(1)[0]!));
    case 'invalid-utf8':
      return post(invalidUtf8(Buffer.from(JSON.stringify(eventList(some(rnd.between(1, 5))))), rnd));
    case 'surrogate': {
      const e = some(1)[0]!;
      const escape = rnd.pick(['\\ud800', '\\udfff', '\\ud800\\u0041', '\\udbff', 'x\\udc00', '\\ud83d\\ude00', '\\uD834\\uDD1E', '\\ud800\\ud800']);
      e['userAgent'] = '@@SURROGATE@@';
      return post(JSON.stringify(eventList([e, ...some(rnd.int(3))])).replace('@@SURROGATE@@', escape));
    }
    case 'number-for-string': {
      const list = some(rnd.between(1, 4));
      const target = rnd.pick(list);
      const path = rnd.pick([['verb'], ['stageTimestamp'], ['user', 'username'], ['objectRef', 'resource'], ['objectRef', 'namespace'],
        ['requestURI'], ['auditID'], ['stage'], ['kind'], ['apiVersion'], ['level'], ['sourceIPs']]);
      setPath(target, path, rnd.pick([0, 42, -1, 1.5, 1e21, 1540476552, 1540476552581541000]));
      return post(JSON.stringify(rnd.chance(0.5) ? eventList(list) : target));
    }
    case 'nan-like': {
      const e = some(1)[0]!;
      e['verb'] = '@@TOKEN@@';
      const token = rnd.pick(['NaN', 'Infinity', '-Infinity', 'undefined', '0x1F', '01', '1.', '.5', '+1', '1e', '-', 'True',
        'nul', "'single'", '1_000', '0b1', 'None', '-0', '1E+2', '-0.0e-0']);
      return post(JSON.stringify(eventList([e])).replace('"@@TOKEN@@"', token));
    }
    case 'duplicate-keys':
      return post(duplicateKeys(JSON.stringify(eventList(some(rnd.between(1, 4)))), rnd));
    case 'empty':
      return post(rnd.pick(['', ' ', '\n', '\r\n\t ', '\n\n\n']));
    case 'content-type': {
      const contentType = rnd.pick([undefined, 'text/plain', 'application/xml', 'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x', 'application/jsn', 'json', '', 'application/json; charset=utf-8', 'APPLICATION/JSON',
        'application/json-patch+json', 'text/json']);
      return post(validBody(rnd, some(rnd.between(1, 5))), { contentType });
    }
    case 'content-encoding': {
      const contentEncoding = rnd.pick(['gzip', 'br', 'deflate', 'x-gzip', 'identity, gzip', 'compress', 'identity', ' Identity ']);
      return post(validBody(rnd, some(rnd.between(1, 5))), { contentEncoding });
    }
    case 'json-lines':
      return post(jsonLines(rnd, () => some(rnd.between(1, 3))));
    case 'not-audit':
      return post(rnd.pick([
        '{"kind":"Pod"}', '[1]', '"Event"', '42', 'null', 'true', '{"kind":"EventList","items":{}}', '{"kind":"EventList"}',
        '{"kind":"EventList","items":[1,2]}', `[[${JSON.stringify(some(1)[0])}]]`, '{"kind":["Event"]}', '{"Kind":"Event"}',
        `[${JSON.stringify(some(1)[0])},{"kind":"Status"}]`, '{"kind":"Event "}', '{}', '[]',
      ]));
    case 'byte-edits':
      return post(byteEdits(Buffer.from(validBody(rnd, some(rnd.between(1, 5)))), rnd));
    case 'method':
      return post(validBody(rnd, some(1)), { method: rnd.pick(['GET', 'PUT', 'DELETE', 'PATCH']) });
    default: // cluster
      return post(validBody(rnd, some(1)), { cluster: rnd.pick(['-x', '_x', 'a b', 'é', 'x'.repeat(254), 'a/b', '.x']) });
  }
}

/** The few very large requests, made once per run (each costs megabytes): one on each side of each size limit. */
export function largeRequests(plan: SizePlan, events: readonly Json[]): FuzzRequest[] {
  const withString = (bytes: number) => {
    const e = structuredClone(events[0]!);
    e['userAgent'] = 'x'.repeat(bytes);
    return e;
  };
  const post = (kind: string, body: string, extra: Partial<FuzzRequest> = {}): FuzzRequest => ({
    kind, method: 'POST', cluster: CLUSTERS[0]!, contentType: 'application/json', body: Buffer.from(body), ...extra,
  });
  const many: Json[] = [];
  for (let size = 0; size < plan.maxMessageBytes * 1.3;) {
    const e = structuredClone(events[many.length % events.length]!);
    e['auditID'] = `split-${many.length}`;
    many.push(e);
    size += JSON.stringify(e).length + 1;
  }
  return [
    post('huge-string', JSON.stringify(eventList([withString(2 * 1024 * 1024), ...events.slice(0, 3)]))),
    post('huge-string', JSON.stringify(withString(Math.floor(plan.maxMessageBytes * 0.9)))),
    // One event over the bus's message limit, in a body under the body limit: 413, nothing can carry it (its size is
    // in its userAgent, so dropping its request and response objects, as ingest does for large objects, cannot help;
    // that truncation is tested in services/ingest's split and app tests).
    post('huge-string', JSON.stringify(eventList([withString(plan.maxMessageBytes + 1024)]))),
    // A body over the message limit made of small events: split on event boundaries, 200.
    post('huge-split', JSON.stringify(eventList(many))),
    // Over the body limit, announced by Content-Length and not announced (chunked).
    post('over-limit', JSON.stringify(withString(plan.maxBodyBytes + 1))),
    post('over-limit', JSON.stringify(withString(plan.maxBodyBytes * 2)), { chunked: true }),
    post('over-limit', ' '.repeat(plan.maxBodyBytes + 1)),
  ];
}

function eventList(items: readonly unknown[]): Json {
  return { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items };
}

/** A body an apiserver (or `curl --data-binary @audit.log`) may send, in one of its shapes and layouts. */
function validBody(rnd: Random, events: Json[]): string {
  const shape = rnd.weighted([[6, 'list'], [2, 'event'], [2, 'array'], [1, 'pretty'], [1, 'lines'], [1, 'escaped'], [1, 'empty-list']] as const);
  switch (shape) {
    case 'list':
      return JSON.stringify(eventList(events));
    case 'event':
      return JSON.stringify(events[0]);
    case 'array':
      return JSON.stringify(rnd.chance(0.5) ? events : [eventList(events.slice(1)), events[0]]);
    case 'pretty':
      return `\n ${JSON.stringify(eventList(events), null, rnd.pick([1, 2, '\t']))}\r\n`;
    case 'lines':
      return jsonLines(rnd, () => [rnd.pick(events)]);
    case 'escaped': // keys and kinds written with \u escapes (no apiserver does; JSON allows it)
      return JSON.stringify(eventList(events)).replace(/"(kind|items|Event|EventList)"/g, (_m, w: string) => `"\\u00${w.charCodeAt(0).toString(16)}${w.slice(1)}"`);
    default:
      return rnd.pick(['{"kind":"EventList","items":[]}', '{"kind":"EventList","items":null}', '[]']);
  }
}

/** JSON lines (an audit log file): Events, EventLists and arrays, blank lines, CRLF, and now and then a bad line. */
function jsonLines(rnd: Random, events: () => Json[]): string {
  const lines: string[] = [];
  for (let n = rnd.between(2, 12); n > 0; n--) {
    const e = events();
    lines.push(rnd.weighted([
      [6, JSON.stringify(e[0])], [2, JSON.stringify(eventList(e))], [1, JSON.stringify(e)], [1, ''], [1, '  \t'],
      [1, `${JSON.stringify(e[0]).slice(0, rnd.between(1, 20))}`], [1, '{"kind":"Pod"}'], [1, 'not json'], [1, `${JSON.stringify(e[0])} x`],
    ] as const));
  }
  return lines.join(rnd.chance(0.2) ? '\r\n' : '\n') + (rnd.chance(0.5) ? '\n' : '');
}

/** Cut at a position of a chosen kind: in a string, after a key, after ':', after ',', in a number, a literal or an escape. */
function truncate(text: string, rnd: Random): string {
  const at = rnd.pick([
    /"[^"]{2}/g, /":/g, /:(?=["{\[\dtfn-])/g, /,/g, /\d\d/g, /(?:true|false|null)/g, /\\u/g, /\}$/g, /\]/g, /\{/g,
  ]);
  const matches = [...text.matchAll(at)];
  const cut = matches.length > 0 ? rnd.pick(matches).index! + 1 : rnd.int(text.length);
  return text.slice(0, Math.min(cut, text.length - 1));
}

/** A value of another JSON type than the usual one of whatever field it lands in. */
function wrongValue(rnd: Random): unknown {
  return rnd.pick([null, true, false, 0, -1, 3.14, '', 'x', [], [1, 'a'], {}, { a: { b: [] } }, [[[]]], 'é漢字', '\u0000']);
}

/** Every path of an object, nested ones included (arrays by index). */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([...prefix, i]); paths(x, [...prefix, i], out); });
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.push([...prefix, k]);
      paths(x, [...prefix, k], out);
    }
  }
  return out;
}

function setAtRandomPath(e: Json, value: unknown, rnd: Random): void {
  const all = paths(e);
  if (all.length > 0) setPath(e, rnd.pick(all), value);
}

function setPath(e: Json, path: readonly (string | number)[], value: unknown): void {
  let at: Record<string | number, unknown> = e;
  for (const k of path.slice(0, -1)) {
    const next = at[k];
    if (next === null || typeof next !== 'object') at[k] = {};
    at = at[k] as Record<string | number, unknown>;
  }
  at[path[path.length - 1]!] = value;
}

function breakTimestamp(e: Json, rnd: Random): void {
  if (rnd.chance(0.5)) {
    delete e['stageTimestamp'];
    return;
  }
  e['stageTimestamp'] = rnd.pick(['', 'yesterday', '2018-13-01T00:00:00Z', '2018-10-25T14:09:12.5815419999Z', '2018-10-25 14:09:12Z',
    '2018-02-30T00:00:00Z', '2018-10-25T24:00:00Z', '2018-10-25T14:09:12+25:00', 1540476552, null, {}, [], true]);
}

/** Nesting far past the scanner's 512 levels (10,000 and more), or just around it, inside an event or at the top. */
function deepBody(rnd: Random, e: Json): string {
  const depth = rnd.pick([510, 511, 512, 513, 10_000, 50_000]);
  const [open, close] = rnd.pick([['[', ']'], ['{"a":', '}']] as const);
  const nest = `${open.repeat(depth)}1${close.repeat(depth)}`;
  if (rnd.chance(0.3)) return nest;
  e['requestObject'] = '@@DEEP@@';
  // The event itself sits two levels down (EventList, items): its member nests `depth` more.
  return JSON.stringify(eventList([e])).replace('"@@DEEP@@"', nest);
}

/** A valid body with invalid UTF-8 put into one of its strings (overlong, lone continuation, truncated, surrogate). */
function invalidUtf8(body: Buffer, rnd: Random): Buffer {
  const bad = Buffer.from(rnd.pick([[0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0x80],
    [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98], [0xfe, 0xfe, 0xff, 0xff]]));
  const quotes = [...body.toString('latin1').matchAll(/"[a-z]/g)].map((m) => m.index!);
  const at = quotes.length > 0 ? rnd.pick(quotes) + 1 : rnd.int(body.length);
  return Buffer.concat([body.subarray(0, at), bad, body.subarray(at)]);
}

/** Keys repeated: the last one counts, as with JSON.parse (a kind that turns an EventList into an Event, and back). */
function duplicateKeys(text: string, rnd: Random): string {
  const insert = rnd.pick(['"kind":"Event",', '"kind":"EventList",', '"kind":"Pod",', '"items":[],', '"items":null,',
    '"stageTimestamp":"2018-10-25T14:09:12Z",', '"stageTimestamp":7,', '"verb":"delete",', '"verb":"get",']);
  const objects = [...text.matchAll(/\{(?=")/g)].map((m) => m.index!);
  const at = rnd.pick(objects.length > 0 ? objects : [0]) + 1;
  const after = rnd.chance(0.5);
  if (!after) return text.slice(0, at) + insert + text.slice(at);
  const end = text.lastIndexOf('}');
  return `${text.slice(0, end)},${insert.slice(0, -1)}${text.slice(end)}`;
}

function byteEdits(body: Buffer, rnd: Random): Buffer {
  let out = body;
  for (let n = rnd.between(1, 5); n > 0; n--) {
    const at = rnd.int(out.length + 1);
    const op = rnd.int(3);
    const byte = Buffer.from([rnd.chance(0.7) ? rnd.pick([...Buffer.from('{}[]":,\\ 0123456789-etfnul\n')]) : rnd.int(256)]);
    if (op === 0) out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    else if (op === 1) out = Buffer.concat([out.subarray(0, at), byte, out.subarray(at)]);
    else out = Buffer.concat([out.subarray(0, at), byte, out.subarray(at + 1)]);
  }
  return out;
}
