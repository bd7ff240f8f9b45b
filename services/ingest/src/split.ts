/**
 * Packing a scanned body into bus message values. The invariant it owns: every value is at most `maxBytes` and is
 * itself an acceptable audit body, and the events of all values, in order, are exactly the events of the body, byte
 * for byte. A body that fits is sent as it came (no copy, no re-encoding); one that does not is re-wrapped, event by
 * event, into EventLists filled greedily up to the limit:
 *
 *   body (> maxBytes): {"kind":"EventList",...,"items":[ e0 , e1 , e2 , e3 , e4 ]}
 *   values:            {"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[e0,e1,e2]}   <= maxBytes
 *                      {"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[e3,e4]}      <= maxBytes
 *
 * The wrapper says `audit.k8s.io/v1` whatever the body said: the events keep their own fields, and readers
 * (Falco's included) take events from any EventList the same way.
 *
 * One exception to "byte for byte": an event that cannot fit in any value by itself (a large ConfigMap or CRD written
 * at RequestResponse level) is truncated as the apiserver's own truncating backend does it: its `requestObject` and
 * `responseObject` are dropped, and the annotation `peregrine.io/truncated` says so. The rules then see its
 * metadata (who did what to which object) rather than the whole body being refused and, after the apiserver's
 * retries, lost with every other event of its batch. An event still too large after that refuses the body (413).
 */
import type { AuditScanOk } from './audit-scan.js';

const PREFIX = Buffer.from('{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[');
const SUFFIX = Buffer.from(']}');
/** Bytes a re-wrapped value costs beyond its events and the commas between them. */
export const SPLIT_OVERHEAD_BYTES = PREFIX.length + SUFFIX.length;

/** The annotation on an event whose request and response objects were dropped to fit the bus message limit. */
export const TRUNCATED_ANNOTATION = 'peregrine.io/truncated';

export type PackResult =
  /** `truncated`: how many events had to be truncated to fit. */
  | { readonly ok: true; readonly values: readonly Buffer[]; readonly split: boolean; readonly truncated: number }
  /** The event at `eventIndex` (`eventBytes` long) cannot fit in any value of `maxBytes`. */
  | { readonly ok: false; readonly eventIndex: number; readonly eventBytes: number };

/**
 * Splits `body` (already accepted by scanAudit, with `scan` its result) into values of at most `maxBytes`. Returns the
 * body itself as the only value when it fits (and is one JSON document); fails, without building anything, when a single event is too large.
 */
export function packEvents(body: Buffer, scan: AuditScanOk, maxBytes: number): PackResult {
  // JSON lines are not one JSON document: always re-wrapped.
  if (body.length <= maxBytes && scan.shape !== 'Lines') return { ok: true, values: [body], split: false, truncated: 0 };
  const { starts, ends, count } = scan;
  // Each event's bytes: a view of the body, or its truncated form when the event alone cannot fit.
  const events: Buffer[] = [];
  let truncated = 0;
  for (let i = 0; i < count; i++) {
    let event = body.subarray(starts[i]!, ends[i]!);
    if (SPLIT_OVERHEAD_BYTES + event.length > maxBytes) {
      const smaller = truncateEvent(event);
      if (smaller === undefined || SPLIT_OVERHEAD_BYTES + smaller.length > maxBytes) {
        return { ok: false, eventIndex: i, eventBytes: event.length };
      }
      event = smaller;
      truncated++;
    }
    events.push(event);
  }
  const values: Buffer[] = [];
  let first = 0;
  while (first < count) {
    // Greedy: take events while the value stays within the limit (each event after the first costs a comma).
    let size = SPLIT_OVERHEAD_BYTES + events[first]!.length;
    let last = first + 1;
    while (last < count) {
      const next = size + 1 + events[last]!.length;
      if (next > maxBytes) break;
      size = next;
      last++;
    }
    values.push(wrap(events, first, last, size));
    first = last;
  }
  return { ok: true, values, split: true, truncated };
}

function wrap(events: readonly Buffer[], from: number, to: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let at = PREFIX.copy(out, 0);
  for (let i = from; i < to; i++) {
    if (i > from) out[at++] = 0x2c; // ,
    at += events[i]!.copy(out, at);
  }
  SUFFIX.copy(out, at);
  return out;
}

const DROPPED_MEMBERS = ['requestObject', 'responseObject'] as const;

/**
 * The event without its request and response objects, annotated, as compact JSON; undefined when it has neither
 * (nothing to drop) or is not an object. The event was validated by the scan, so it parses; it is re-encoded, as the
 * apiserver's truncating backend re-encodes what it truncates.
 */
export function truncateEvent(event: Buffer): Buffer | undefined {
  let json: unknown;
  try {
    json = JSON.parse(event.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(json)) return undefined;
  const dropped = DROPPED_MEMBERS.filter((member) => Object.hasOwn(json, member));
  if (dropped.length === 0) return undefined;
  for (const member of dropped) delete json[member];
  const note = `${dropped.join(' and ')} dropped: the event was ${event.length} bytes, over the bus message limit`;
  if (!Object.hasOwn(json, 'annotations')) json['annotations'] = {};
  const annotations = json['annotations'];
  if (isObject(annotations)) annotations[TRUNCATED_ANNOTATION] = note;
  return Buffer.from(JSON.stringify(json));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
