/**
 * Alert latency without touching the pipeline: every event of a body gets the same placeholder `stageTimestamp`
 * (the event time Falco and Peregrine put in an alert's `time`), and just before a request is sent the placeholder is
 * overwritten in a copy of the body with the wall-clock time. An alert's latency is then the time it is read from the
 * sink minus its `time`. Both clocks are this process's (performance.timeOrigin + now(), microseconds).
 *
 *   template: ..."stageTimestamp":"2000-01-01T00:00:00.000000Z"...   (27 characters, at recorded byte offsets)
 *   sent:     ..."stageTimestamp":"2026-11-24T10:00:00.123456Z"...   (same length: offsets stay valid)
 */
import type { AuditEventJson } from './events.js';

const PLACEHOLDER = '2000-01-01T00:00:00.000000Z';

/** A body whose event times can be set at send time. */
export interface TimedBody {
  readonly template: Buffer;
  readonly offsets: readonly number[];
  readonly events: number;
  /** Alerts the project's rules raise for this body (known in advance: the event time does not change a match). */
  readonly alerts: number;
}

/**
 * Builds the template of an EventList of `items`, every stageTimestamp replaced by the placeholder;
 * `alertsOf(text)` counts the alerts its events raise.
 */
export function timedBody(items: readonly AuditEventJson[], alertsOf: (text: string) => number): TimedBody {
  const text = JSON.stringify({
    kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {},
    items: items.map((e) => ({ ...e, stageTimestamp: PLACEHOLDER })),
  });
  const template = Buffer.from(text);
  const offsets: number[] = [];
  for (let at = template.indexOf(PLACEHOLDER); at >= 0; at = template.indexOf(PLACEHOLDER, at + 1)) offsets.push(at);
  return { template, offsets, events: items.length, alerts: alertsOf(text) };
}

/** Now, in epoch milliseconds with a fraction (microsecond resolution). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** RFC 3339 with microseconds (27 characters), e.g. 2026-11-24T10:00:00.123456Z. */
export function rfc3339Micros(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.floor((ms - whole) * 1000);
  return `${new Date(whole).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/** A copy of the body with every event's stageTimestamp set to `ms`. */
export function stamp(body: TimedBody, ms: number): Buffer {
  const out = Buffer.from(body.template);
  const ts = rfc3339Micros(ms);
  for (const at of body.offsets) out.write(ts, at, 'latin1');
  return out;
}

/** Epoch milliseconds of an RFC 3339 UTC time with up to nanoseconds (the alert's `time`); NaN when not one. */
export function parseAlertTime(time: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time);
  if (!m) return NaN;
  return Date.parse(`${m[1]}Z`) + (m[2] ? Number(`0.${m[2]}`) * 1000 : 0);
}
