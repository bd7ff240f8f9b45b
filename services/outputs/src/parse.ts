/**
 * Turns a message of the alerts topic into an `AlertRecord`: the parsed alert (for filters and logs) beside its exact
 * JSON text (for delivery). The invariant: what a sink sends is the producer's JSON byte for byte (bar line breaks
 * between tokens), never a re-serialisation, because `output_fields["evt.time"]` is an integer of nanoseconds that a
 * JavaScript number cannot hold exactly.
 *
 * "Valid alert JSON" is what falcosidekick's `Check()` accepts plus what routing needs: a JSON object with a non-empty
 * `rule`, a Falco `priority`, a `time`, an `output` string and a non-empty `output_fields` object; `tags`, `cluster`,
 * `id`, `hostname` and `source` have the right types when present.
 */
import { HEADER_CLUSTER, type ReceivedMessage } from '@peregrine/kafka';
import { type Alert, parsePriority } from '@peregrine/rule-engine';

export interface AlertRecord {
  /** Parsed, with `priority` in its canonical spelling. Numbers may be inexact: never serialise this back. */
  readonly alert: Alert;
  /** The alert's JSON text, on one line. */
  readonly json: string;
  /** The alert's `cluster`, else the message's cluster header. */
  readonly cluster: string | undefined;
  /** The bus message it came from (dead-letter messages keep its key and headers). */
  readonly message: ReceivedMessage;
}

export type ParseResult =
  | { readonly ok: true; readonly record: AlertRecord }
  | { readonly ok: false; readonly reason: string };

/** Never throws: a bad message is a result, so that one poison message cannot stop the consumer. */
export function parseAlertMessage(message: ReceivedMessage): ParseResult {
  // JSON strings cannot hold raw line breaks, so every CR/LF in valid JSON is whitespace between tokens: dropping
  // them keeps one alert per line in JSON-lines sinks without re-serialising.
  const json = message.value.toString('utf8').replace(/[\r\n]+/g, '').trim();
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const o = value as Record<string, unknown>;
  if (typeof o['rule'] !== 'string' || o['rule'] === '') return { ok: false, reason: 'rule missing or empty' };
  const priority = typeof o['priority'] === 'string' ? parsePriority(o['priority']) : undefined;
  if (priority === undefined) return { ok: false, reason: 'priority missing or not a Falco priority' };
  if (typeof o['time'] !== 'string' || Number.isNaN(Date.parse(o['time']))) return { ok: false, reason: 'time missing or not RFC 3339' };
  if (typeof o['output'] !== 'string') return { ok: false, reason: 'output missing' };
  const fields = o['output_fields'];
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || Object.keys(fields).length === 0) {
    return { ok: false, reason: 'output_fields missing or empty' };
  }
  const tags = o['tags'] ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) return { ok: false, reason: 'tags not a list of strings' };
  for (const key of ['cluster', 'id', 'hostname', 'source'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'string') return { ok: false, reason: `${key} not a string` };
  }
  const alert = { ...o, priority, tags } as unknown as Alert;
  const cluster = typeof o['cluster'] === 'string' ? o['cluster'] : message.headers[HEADER_CLUSTER];
  return { ok: true, record: { alert, json, cluster, message } };
}

/** How logs name an alert: rule and id (or the message position), never its content. */
export function describeRecord(record: AlertRecord): { rule: string; id: string } {
  const { alert, message } = record;
  return { rule: alert.rule, id: alert.id ?? message.key ?? `${message.topic}/${message.partition}@${message.offset}` };
}
