/**
 * Alerts in Falco's JSON shape (what `json_output: true` prints and falcosidekick accepts), plus two keys of ours:
 * `cluster`, and `id`, a hash of (cluster, auditID, stage, rule) so that the same event matched by the same rule
 * always has the same id, however often it is replayed: downstream can deduplicate on it.
 *
 *   {"cluster":"prod-eu","hostname":"peregrine-0","id":"5f1c...","output":"14:09:12.581541000: Warning Pod started ...",
 *    "output_fields":{"evt.time":1540476552581541000,"ka.user.name":"alice",...},"priority":"Warning",
 *    "rule":"Create Privileged Pod","source":"k8s_audit","tags":["k8s"],"time":"2018-10-25T14:09:12.581541000Z"}
 *
 * Keys are sorted, as Falco's JSON library prints them. `evt.time` is an integer of nanoseconds, beyond what a
 * JavaScript number holds exactly, so `alertToJson` writes it from a bigint.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { OutputFieldValue } from './compiler/output.js';
import { formatTimeIso, formatTimeOfDay } from './fields/evt.js';
import type { Priority } from './priority.js';
import type { Match } from './runtime/ruleset.js';
import type { AuditEvent } from './event.js';

export interface Alert {
  readonly cluster: string;
  readonly hostname: string;
  readonly id: string;
  readonly output: string;
  readonly output_fields: Readonly<Record<string, OutputFieldValue | bigint>>;
  readonly priority: Priority;
  readonly rule: string;
  readonly source: 'k8s_audit';
  readonly tags: readonly string[];
  readonly time: string;
}

export interface AlertOptions {
  /** Falco's `hostname` key: the machine that produced the alert. */
  readonly hostname: string;
  /** Used when the event carries no cluster of its own. */
  readonly defaultCluster?: string;
}

export function buildAlert(match: Match, options: AlertOptions): Alert {
  const { rule } = match;
  // A pruned event holds what the condition read; the alert shows the complete one, as the JSON.parse path does, and
  // its output fields read that event object, not the slots.
  const { complete, timeNs, cluster: eventCluster } = match.event;
  const event: AuditEvent = complete ? { json: complete.call(match.event), timeNs, cluster: eventCluster, complete: undefined, slots: undefined } : match.event;
  const formatted = rule.output(event);
  const cluster = event.cluster ?? options.defaultCluster ?? 'default';
  // Falco's output_fields always hold evt.time as integer nanoseconds, even when the output prints %evt.time as text.
  const outputFields: Record<string, OutputFieldValue | bigint> = { ...formatted.fields, 'evt.time': event.timeNs };
  return {
    cluster,
    hostname: options.hostname,
    id: alertId(cluster, event.json, rule.name),
    output: `${formatTimeOfDay(event.timeNs)}: ${rule.priority} ${formatted.text}`,
    output_fields: sortKeys(outputFields),
    priority: rule.priority,
    rule: rule.name,
    source: 'k8s_audit',
    tags: [...new Set(rule.tags)].sort(),
    time: formatTimeIso(event.timeNs),
  };
}

/** Deterministic: same cluster, event (auditID + stage) and rule give the same id. */
function alertId(cluster: string, json: AuditEvent['json'], ruleName: string): string {
  const auditId = json['auditID'];
  const identity = typeof auditId === 'string'
    ? `${auditId}\u0000${String(json['stage'] ?? '')}`
    : JSON.stringify(json);
  return createHash('sha256').update(`${cluster}\u0000${identity}\u0000${ruleName}`).digest('hex').slice(0, 32);
}

/**
 * A marker for bigints while stringifying, unguessable so that no text taken from an event can pose as one (a user
 * name like the marker would otherwise turn into a JSON number).
 */
const BIGINT_MARKER = `big-${randomUUID()}:`;
const BIGINT_MARKED = new RegExp(`"${BIGINT_MARKER}(-?\\d+)"`, 'g');

/** One line of JSON, with `evt.time` (a bigint) as an exact integer. */
export function alertToJson(alert: Alert): string {
  return JSON.stringify(alert, (_key, value: unknown) => (typeof value === 'bigint' ? `${BIGINT_MARKER}${value}` : value))
    .replace(BIGINT_MARKED, '$1');
}

/** Falco's text line: the `output` key. */
export function alertToText(alert: Alert): string {
  return alert.output;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}
