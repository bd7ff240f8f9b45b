/**
 * From payload text to audit events, with the k8saudit plugin's payload rules: a JSON array is a list of payloads,
 * an `EventList` holds its events in `items`, an `Event` is one event, and every event needs a `stageTimestamp`,
 * which becomes its time.
 */
import type { AuditEvent } from './event.js';
import { member } from './fields/json.js';
import { SlotEvent, cellValue, type SlotMessage } from './runtime/slot-event.js';
import { SLOT_STAGE_TIMESTAMP } from './runtime/slots.js';
import { parseRfc3339Nano } from './time.js';

export { parseRfc3339Nano };

/** What one payload decoded to: its events, and one message per payload or event that had to be dropped. */
export interface DecodedPayload {
  readonly events: AuditEvent[];
  readonly errors: readonly string[];
}

const NOT_AUDIT = 'data not recognized as a k8s audit event';
const NO_STAGE_TIMESTAMP = "can't read stageTimestamp";

/**
 * Decodes one payload: a webhook POST body or one line of an audit log file (split JSON lines before calling).
 *
 * Never throws. Invalid JSON yields one error starting with `invalid JSON:`; a payload that is (or contains,
 * anywhere in nested arrays) something other than an `Event` or an `EventList` with an `items` array is rejected
 * as a whole with `data not recognized as a k8s audit event`. An event without a `stageTimestamp` yields
 * `can't read stageTimestamp` and is skipped, as is one whose `stageTimestamp` is not RFC 3339; the others are kept.
 *
 * @param cluster the cluster ingest assigns to every event of the payload, when it knows it.
 */
export function decodeAuditPayload(text: string, cluster?: string): DecodedPayload {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    return { events: [], errors: [`invalid JSON: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const candidates = candidatesOf(root);
  if (candidates === undefined) return { events: [], errors: [NOT_AUDIT] };
  const events: AuditEvent[] = [];
  let errors: string[] | undefined;
  for (const candidate of candidates) {
    const decoded = toAuditEvent(candidate, cluster);
    if (typeof decoded === 'string') (errors ??= []).push(decoded);
    else events.push(decoded);
  }
  return { events, errors: errors ?? NO_ERRORS };
}

const NO_ERRORS: readonly string[] = Object.freeze([]);

/**
 * Decodes the events of a message the native decoder extracted into slots (one it accepted: valid JSON of an audit
 * shape; it refuses the others, which go to `decodeAuditPayload`): the same events and errors as `decodeAuditPayload`
 * of the message, each event reading its slots (runtime/slot-event.ts).
 */
export function decodeSlotMessage(message: SlotMessage, cluster?: string): DecodedPayload {
  const events: AuditEvent[] = [];
  let errors: string[] | undefined;
  for (let i = 0; i < message.count; i++) {
    const timed = eventTime(cellValue(message, i * message.slotCount + SLOT_STAGE_TIMESTAMP));
    if (typeof timed === 'string') (errors ??= []).push(timed);
    else events.push(new SlotEvent(message, i, timed, cluster));
  }
  return { events, errors: errors ?? NO_ERRORS };
}

/**
 * The event candidates of a payload text (every Event object and EventList item, in payload order), or undefined
 * when it is not JSON or not a list of audit events.
 */
export function payloadCandidates(text: string): unknown[] | undefined {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return undefined;
  }
  return candidatesOf(root);
}

function candidatesOf(root: unknown): unknown[] | undefined {
  // One Event per payload is the common case (an audit log line): no list walk for it.
  return member(root, 'kind') === 'Event' ? [root] : gatherEvents(root);
}

/**
 * The event objects of a payload, in payload order, or `undefined` if any part is not recognized.
 * Iterative, because a hostile payload can nest arrays deeper than the call stack allows.
 */
function gatherEvents(root: unknown): unknown[] | undefined {
  const found: unknown[] = [];
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push(value[i]);
      continue;
    }
    const kind = member(value, 'kind');
    const items = member(value, 'items');
    if (kind === 'Event') found.push(value);
    // A loop, not push(...items): spreading a large list (~200k items) overflows the stack.
    else if (kind === 'EventList' && Array.isArray(items)) for (const item of items) found.push(item);
    else return undefined;
  }
  return found;
}

/** One event, or the reason it is dropped. EventList items are not checked for `kind`, as in the plugin. */
function toAuditEvent(value: unknown, cluster: string | undefined): AuditEvent | string {
  const timeNs = eventTime(member(value, 'stageTimestamp'));
  if (typeof timeNs === 'string') return timeNs;
  // `member` found a member, so `value` is a plain object.
  const json = value as Readonly<Record<string, unknown>>;
  // One object shape for every event, whichever members are set: the rules read events at a few sites each, and
  // V8 keeps those sites fast only while the objects they see share a shape (measured: ~0.5 us per event).
  return { json, timeNs, cluster, complete: undefined, slots: undefined };
}

/** An event's time from its `stageTimestamp` member (undefined: missing), or the reason the event is dropped. */
function eventTime(stageTimestamp: unknown): bigint | string {
  if (stageTimestamp === undefined) return NO_STAGE_TIMESTAMP;
  const timeNs = typeof stageTimestamp === 'string' ? parseRfc3339Nano(stageTimestamp) : undefined;
  return timeNs ?? `invalid stageTimestamp ${JSON.stringify(stageTimestamp)}: not an RFC 3339 time`;
}
