/**
 * From payload text to audit events, with the k8saudit plugin's payload rules: a JSON array is a list of payloads,
 * an `EventList` holds its events in `items`, an `Event` is one event, and every event needs a `stageTimestamp`,
 * which becomes its time.
 */
import type { AuditEvent } from './event.js';
import { member } from './fields/json.js';
import { parseRfc3339Nano } from './time.js';

export { parseRfc3339Nano };

export interface DecodeOptions {
  /**
   * For a payload that holds pruned events (see AuditEvent.complete): the loader of the complete event, by the
   * event's position among the payload's event candidates (every Event object and EventList item, in payload order,
   * whether or not it decodes).
   */
  readonly complete?: ((candidate: number) => () => Readonly<Record<string, unknown>>) | undefined;
}

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
export function decodeAuditPayload(text: string, cluster?: string, options: DecodeOptions = {}): DecodedPayload {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    return { events: [], errors: [`invalid JSON: ${error instanceof Error ? error.message : String(error)}`] };
  }
  // One Event per payload is the common case (an audit log line, the evaluator's messages): no list walk for it.
  const candidates = member(root, 'kind') === 'Event' ? [root] : gatherEvents(root);
  if (candidates === undefined) return { events: [], errors: [NOT_AUDIT] };
  return decodeCandidates(candidates.length, (i) => candidates[i], cluster, options);
}

const NO_ERRORS: readonly string[] = Object.freeze([]);

/**
 * Decodes the events of a payload given one JSON text per event candidate (what `gatherEvents` would find: every
 * Event object and EventList item, in order), as a native decoder that already validated the payload and found its
 * events hands them over. The same events and errors as `decodeAuditPayload` of the whole payload.
 */
export function decodeAuditEvents(texts: readonly string[], cluster?: string, options: DecodeOptions = {}): DecodedPayload {
  return decodeCandidates(texts.length, (i) => parseOrError(texts[i]!), cluster, options);
}

/** Candidate `i` of `count` (an error string stands for one that did not parse) to events and drop reasons. */
function decodeCandidates(
  count: number,
  candidate: (i: number) => unknown,
  cluster: string | undefined,
  options: DecodeOptions,
): DecodedPayload {
  const events: AuditEvent[] = [];
  let errors: string[] | undefined;
  for (let i = 0; i < count; i++) {
    const value = candidate(i);
    const decoded = value instanceof InvalidJson ? value.message : toAuditEvent(value, cluster, options.complete?.(i));
    if (typeof decoded === 'string') (errors ??= []).push(decoded);
    else events.push(decoded);
  }
  return { events, errors: errors ?? NO_ERRORS };
}

/** A candidate text that did not parse (never one a validating native decoder hands over, but said, not thrown). */
class InvalidJson {
  constructor(readonly message: string) {}
}

function parseOrError(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return new InvalidJson(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
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
function toAuditEvent(
  value: unknown,
  cluster: string | undefined,
  complete: AuditEvent['complete'],
): AuditEvent | string {
  const stageTimestamp = member(value, 'stageTimestamp');
  if (stageTimestamp === undefined) return NO_STAGE_TIMESTAMP;
  const timeNs = typeof stageTimestamp === 'string' ? parseRfc3339Nano(stageTimestamp) : undefined;
  if (timeNs === undefined) return `invalid stageTimestamp ${JSON.stringify(stageTimestamp)}: not an RFC 3339 time`;
  // `member` found a member, so `value` is a plain object.
  const json = value as Readonly<Record<string, unknown>>;
  // One object shape for every event, whichever members are set: the rules read events at a few sites each, and
  // V8 keeps those sites fast only while the objects they see share a shape (measured: ~0.5 us per event).
  return { json, timeNs, cluster, complete };
}
