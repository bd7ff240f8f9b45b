/**
 * From payload text to audit events, with the k8saudit plugin's payload rules: a JSON array is a list of payloads,
 * an `EventList` holds its events in `items`, an `Event` is one event, and every event needs a `stageTimestamp`,
 * which becomes its time.
 */
import type { AuditEvent } from './event.js';
import { member } from './fields/json.js';

/** What one payload decoded to: its events, and one message per payload or event that had to be dropped. */
export interface DecodedPayload {
  readonly events: AuditEvent[];
  readonly errors: string[];
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
  const candidates = gatherEvents(root);
  if (candidates === undefined) return { events: [], errors: [NOT_AUDIT] };
  const events: AuditEvent[] = [];
  const errors: string[] = [];
  for (const candidate of candidates) {
    const decoded = toAuditEvent(candidate, cluster);
    if (typeof decoded === 'string') errors.push(decoded);
    else events.push(decoded);
  }
  return { events, errors };
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
  const stageTimestamp = member(value, 'stageTimestamp');
  if (stageTimestamp === undefined) return NO_STAGE_TIMESTAMP;
  const timeNs = typeof stageTimestamp === 'string' ? parseRfc3339Nano(stageTimestamp) : undefined;
  if (timeNs === undefined) return `invalid stageTimestamp ${JSON.stringify(stageTimestamp)}: not an RFC 3339 time`;
  // `member` found a member, so `value` is a plain object.
  const json = value as Readonly<Record<string, unknown>>;
  return cluster === undefined ? { json, timeNs } : { json, timeNs, cluster };
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const NS_PER_SECOND = 1_000_000_000n;

/**
 * Parses an RFC 3339 time such as `2018-10-25T14:09:12.581541Z` or `2018-10-25T16:09:12.5+02:00` (Go's
 * RFC3339Nano: 0 to 9 fraction digits, `Z` or a `±hh:mm` offset) into nanoseconds since the epoch, exactly.
 * Returns `undefined` when the text is not such a time or names a day, hour, minute or second that does not exist.
 */
export function parseRfc3339Nano(text: string): bigint | undefined {
  const match = RFC3339.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', sign, offsetHours = '0', offsetMinutes = '0'] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const oh = Number(offsetHours);
  const om = Number(offsetMinutes);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59 || oh > 23 || om > 59) {
    return undefined;
  }
  const offsetSeconds = (sign === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  const seconds = daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offsetSeconds;
  return BigInt(seconds) * NS_PER_SECOND + BigInt(fraction.padEnd(9, '0'));
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar, in integer arithmetic (Date.UTC would map
 * years 0 to 99 to 1900 to 1999). Counts in 400-year eras of 146097 days, with years starting in March so that
 * the leap day is the last day of a year.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthFromMarch = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
