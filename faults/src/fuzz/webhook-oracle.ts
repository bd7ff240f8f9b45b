/**
 * What the webhook must answer to a request, decided independently of the code under test: from the method, the
 * path, the headers and the size, then from JSON.parse and the audit shapes the README documents (an Event, an
 * EventList of objects, an array of those; JSON lines of them), with the scanner's two documented strictnesses
 * (no unpaired surrogate escapes, at most 512 levels of nesting) and valid UTF-8. For an accepted body it also says
 * what the evaluator will decode: the payload of each bus message, from which the expected dead letters and alerts
 * follow.
 */
import { isUtf8 } from 'node:buffer';

export interface WebhookRequest {
  readonly method: string;
  readonly cluster: string;
  /** undefined: no Content-Type header. */
  readonly contentType?: string | undefined;
  readonly contentEncoding?: string | undefined;
  readonly body: Buffer;
  /** Sent with Transfer-Encoding: chunked instead of a Content-Length. */
  readonly chunked?: boolean | undefined;
}

export type Answer =
  | { readonly status: 200; readonly events: number; readonly payloads: readonly string[] }
  | { readonly status: 400 | 405 | 413 | 415; readonly code: string; readonly message: RegExp };

export interface Limits {
  readonly maxBodyBytes: number;
  /** The bus's largest message (the in-memory bus: 8 MiB). */
  readonly maxMessageBytes: number;
}

/** Bytes the ingest's re-wrapping adds around the events of a split body (split.ts). */
const SPLIT_OVERHEAD_BYTES = '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":['.length + ']}'.length;
const MAX_DEPTH = 512;
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

export function expectedAnswer(r: WebhookRequest, limits: Limits): Answer {
  if (r.method !== 'POST') return { status: 405, code: 'PG_ERR_INGEST_METHOD', message: /method not allowed/ };
  if (!CLUSTER_NAME.test(r.cluster)) return { status: 400, code: 'PG_ERR_INGEST_BAD_CLUSTER', message: /cluster in the path/ };
  if (r.contentType === undefined || !r.contentType.toLowerCase().includes('application/json')) {
    return { status: 415, code: 'PG_ERR_INGEST_CONTENT_TYPE', message: /content type must be application\/json/ };
  }
  if (r.contentEncoding !== undefined && r.contentEncoding.trim().toLowerCase() !== 'identity') {
    return { status: 415, code: 'PG_ERR_INGEST_CONTENT_TYPE', message: /content encodings are not supported/ };
  }
  if (r.body.length > limits.maxBodyBytes) {
    return { status: 413, code: 'PG_ERR_INGEST_BODY_TOO_LARGE', message: /larger than the limit/ };
  }
  if (!isUtf8(r.body)) return invalidJson(/not valid UTF-8/);
  const text = r.body.toString('utf8');
  const whole = judge(text);
  let events: unknown[];
  let lines = false;
  if (whole.ok) {
    events = whole.events;
  } else if (whole.trailing) {
    const byLine = judgeLines(text);
    if (!byLine.ok) return byLine.answer;
    events = byLine.events;
    lines = true;
  } else {
    return whole.answer;
  }
  if (events.length === 0) return { status: 200, events: 0, payloads: [] };
  if (lines || r.body.length > limits.maxMessageBytes) {
    const largest = Math.max(...events.map((e) => Buffer.byteLength(JSON.stringify(e))));
    // (An event whose size is in its request or response object would be truncated and accepted instead; the corpus
    // has none: webhook-bodies.ts puts the size of its oversized events in the userAgent.)
    if (SPLIT_OVERHEAD_BYTES + largest > limits.maxMessageBytes) {
      return { status: 413, code: 'PG_ERR_INGEST_EVENT_TOO_LARGE', message: /more than the bus message limit/ };
    }
  }
  // One message, or several cut on event boundaries: decoding them gives the same events as decoding them all at once.
  const payload = lines ? JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: events }) : text;
  return { status: 200, events: events.length, payloads: [payload] };
}

function invalidJson(message: RegExp): Answer {
  return { status: 400, code: 'PG_ERR_INGEST_INVALID_JSON', message };
}

const NOT_AUDIT: Answer = { status: 400, code: 'PG_ERR_INGEST_NOT_AUDIT', message: /data not recognized as a k8s audit event/ };

type Judgement =
  | { readonly ok: true; readonly events: unknown[] }
  | { readonly ok: false; readonly trailing: boolean; readonly answer: Answer };

/** One JSON document. `trailing`: a complete first value followed by more (the webhook then reads JSON lines). */
function judge(text: string): Judgement {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const at = /after JSON at position (\d+)/.exec((err as Error).message);
    if (at) {
      // The first value is complete: its own problems, found before the trailing data, come first.
      const first = judge(text.slice(0, Number(at[1])));
      if (!first.ok && first.answer.status === 400 && first.answer.code === 'PG_ERR_INGEST_INVALID_JSON') return first;
      return { ok: false, trailing: true, answer: invalidJson(/unexpected data after the JSON value/) };
    }
    return { ok: false, trailing: false, answer: invalidJson(/^[ \t\n\r]*$/.test(text) ? /body is empty/ : /body is not valid JSON/) };
  }
  if (hasLoneSurrogate(value)) return { ok: false, trailing: false, answer: invalidJson(/unpaired surrogate escape/) };
  if (depthOf(value) > MAX_DEPTH) return { ok: false, trailing: false, answer: invalidJson(/nesting deeper than 512/) };
  const events = auditEvents(value);
  return events ? { ok: true, events } : { ok: false, trailing: false, answer: NOT_AUDIT };
}

/** JSON lines: each non-blank line one document; the first bad line decides, and is named. */
function judgeLines(text: string): { ok: true; events: unknown[] } | { ok: false; answer: Answer } {
  const events: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^[ \t\r]*$/.test(line)) continue;
    const j = judge(line);
    if (!j.ok) {
      const a = j.answer as Extract<Answer, { code: string }>;
      return { ok: false, answer: { ...a, message: new RegExp(`^line ${i + 1}: .*${a.message.source.replace(/^\^/, '')}`) } };
    }
    events.push(...j.events);
  }
  return { ok: true, events };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The events of an audit value, or undefined when it is not one (README: "The pipeline"). */
export function auditEvents(value: unknown): unknown[] | undefined {
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
    const e = one(v);
    if (!e) return undefined;
    out.push(...e);
  }
  return out;
}

function hasLoneSurrogate(v: unknown): boolean {
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  const pending = [v];
  while (pending.length > 0) {
    const x = pending.pop();
    if (typeof x === 'string') {
      if (lone.test(x)) return true;
    } else if (Array.isArray(x)) {
      for (const y of x) pending.push(y);
    } else if (isObject(x)) {
      for (const [k, y] of Object.entries(x)) {
        if (lone.test(k)) return true;
        pending.push(y);
      }
    }
  }
  return false;
}

/** Containers nested, the outermost counting 1 (iterative: bodies nest 10,000 levels and more). */
function depthOf(v: unknown): number {
  let max = 0;
  const pending: [unknown, number][] = [[v, 0]];
  while (pending.length > 0) {
    const [x, d] = pending.pop()!;
    if (Array.isArray(x)) {
      max = Math.max(max, d + 1);
      for (const y of x) pending.push([y, d + 1]);
    } else if (isObject(x)) {
      max = Math.max(max, d + 1);
      for (const y of Object.values(x)) pending.push([y, d + 1]);
    }
  }
  return max;
}
