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
 */
import type { AuditScanOk } from './audit-scan.js';

const PREFIX = Buffer.from('{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[');
const SUFFIX = Buffer.from(']}');
/** Bytes a re-wrapped value costs beyond its events and the commas between them. */
export const SPLIT_OVERHEAD_BYTES = PREFIX.length + SUFFIX.length;

export type PackResult =
  | { readonly ok: true; readonly values: readonly Buffer[]; readonly split: boolean }
  /** The event at `eventIndex` (`eventBytes` long) cannot fit in any value of `maxBytes`. */
  | { readonly ok: false; readonly eventIndex: number; readonly eventBytes: number };

/**
 * Splits `body` (already accepted by scanAudit, with `scan` its result) into values of at most `maxBytes`. Returns the
 * body itself as the only value when it fits (and is one JSON document); fails, without building anything, when a single event is too large.
 */
export function packEvents(body: Buffer, scan: AuditScanOk, maxBytes: number): PackResult {
  // JSON lines are not one JSON document: always re-wrapped.
  if (body.length <= maxBytes && scan.shape !== 'Lines') return { ok: true, values: [body], split: false };
  const { starts, ends, count } = scan;
  for (let i = 0; i < count; i++) {
    const size = ends[i]! - starts[i]!;
    if (SPLIT_OVERHEAD_BYTES + size > maxBytes) return { ok: false, eventIndex: i, eventBytes: size };
  }
  const values: Buffer[] = [];
  let first = 0;
  while (first < count) {
    // Greedy: take events while the value stays within the limit (each event after the first costs a comma).
    let size = SPLIT_OVERHEAD_BYTES + (ends[first]! - starts[first]!);
    let last = first + 1;
    while (last < count) {
      const next = size + 1 + (ends[last]! - starts[last]!);
      if (next > maxBytes) break;
      size = next;
      last++;
    }
    values.push(wrap(body, starts, ends, first, last, size));
    first = last;
  }
  return { ok: true, values, split: true };
}

function wrap(body: Buffer, starts: readonly number[], ends: readonly number[], from: number, to: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let at = PREFIX.copy(out, 0);
  for (let i = from; i < to; i++) {
    if (i > from) out[at++] = 0x2c; // ,
    at += body.copy(out, at, starts[i]!, ends[i]!);
  }
  SUFFIX.copy(out, at);
  return out;
}
