/**
 * The filters of the UI's API, from a query string to a predicate over stored alerts. Every endpoint that lists,
 * counts or streams alerts takes the same parameters, so the table, the chart and the live stream always agree:
 *
 *   cluster=NAME        (repeatable: any of them; `cluster=` matches alerts without a cluster)
 *   rule=NAME           (repeatable: any of them; exact rule names)
 *   priority=NAME       (repeatable: any of them; Falco names, any case)
 *   minPriority=NAME    (this priority or more severe)
 *   since=T, until=T    (the alert's `time` in [since, until); T is RFC 3339 or milliseconds since the epoch)
 *   q=TEXT              (case-insensitive substring of the alert's output)
 *
 * The invariant: a query either parses completely or is refused with every problem listed (the endpoints answer 400);
 * unknown parameters are problems too, so that a typo never silently widens a filter.
 */
import { parsePriority, type Priority, priorityRank } from '@peregrine/rule-engine';
import type { StoredAlert } from './store.js';

export interface AlertQuery {
  readonly clusters?: ReadonlySet<string> | undefined;
  readonly rules?: ReadonlySet<string> | undefined;
  readonly priorities?: ReadonlySet<Priority> | undefined;
  /** The least severe rank that passes (Falco's order: 0 = emergency). */
  readonly maxRank?: number | undefined;
  readonly sinceMs?: number | undefined;
  readonly untilMs?: number | undefined;
  /** Lower case. */
  readonly text?: string | undefined;
}

export type QueryParse<T> = { readonly ok: true; readonly query: AlertQuery; readonly extra: T } | { readonly ok: false; readonly problems: string[] };

const FILTER_PARAMS = new Set(['cluster', 'rule', 'priority', 'minPriority', 'since', 'until', 'q']);

/** Longest accepted value of any parameter: names and search strings are short; this bounds the work per alert. */
const MAX_VALUE_LENGTH = 1024;

/**
 * Parses the filters, and the endpoint's own parameters (`extra`: name -> parser returning the value or a problem
 * string). Repeated filter values are combined with "any of".
 */
export function parseQuery<T extends Record<string, unknown>>(
  params: URLSearchParams,
  extra: { readonly [K in keyof T]: (value: string | null) => T[K] | { problem: string } } = {} as never,
): QueryParse<T> {
  const problems: string[] = [];
  for (const [name, value] of params) {
    if (!FILTER_PARAMS.has(name) && !Object.hasOwn(extra, name)) problems.push(`unknown parameter '${name}'`);
    else if (value.length > MAX_VALUE_LENGTH) problems.push(`${name}: longer than ${MAX_VALUE_LENGTH} characters`);
  }
  const set = (name: string) => (params.has(name) ? new Set(params.getAll(name)) : undefined);
  const priorities = set('priority');
  const parsedPriorities = priorities && new Set([...priorities].map((p) => {
    const parsed = parsePriority(p);
    if (parsed === undefined) problems.push(`priority: '${p}' is not a Falco priority`);
    return parsed!;
  }));
  let maxRank: number | undefined;
  const min = params.get('minPriority');
  if (min !== null) {
    const parsed = parsePriority(min);
    if (parsed === undefined) problems.push(`minPriority: '${min}' is not a Falco priority`);
    else maxRank = priorityRank(parsed);
  }
  const sinceMs = parseTime(params, 'since', problems);
  const untilMs = parseTime(params, 'until', problems);
  const q = params.get('q');
  const values: Record<string, unknown> = {};
  for (const [name, parse] of Object.entries(extra)) {
    const v = parse(params.get(name));
    if (typeof v === 'object' && v !== null && 'problem' in v) problems.push(`${name}: ${(v as { problem: string }).problem}`);
    else values[name] = v;
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    query: {
      clusters: set('cluster'), rules: set('rule'), priorities: parsedPriorities, maxRank, sinceMs, untilMs,
      text: q === null || q === '' ? undefined : q.toLowerCase(),
    },
    extra: values as T,
  };
}

/** A parser for an integer parameter in [min, max], `fallback` when absent. */
export function integerParam(min: number, max: number, fallback: number): (value: string | null) => number | { problem: string } {
  return (value) => {
    if (value === null) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) return { problem: `expected an integer from ${min} to ${max}` };
    return n;
  };
}

/** Whether a stored alert passes every filter of the query. */
export function matches(query: AlertQuery, alert: StoredAlert): boolean {
  if (query.clusters && !query.clusters.has(alert.cluster)) return false;
  if (query.rules && !query.rules.has(alert.rule)) return false;
  if (query.priorities && !query.priorities.has(alert.priority)) return false;
  if (query.maxRank !== undefined && priorityRank(alert.priority) > query.maxRank) return false;
  if (query.sinceMs !== undefined && !(alert.timeMs >= query.sinceMs)) return false;
  if (query.untilMs !== undefined && !(alert.timeMs < query.untilMs)) return false;
  if (query.text !== undefined && !alert.output.toLowerCase().includes(query.text)) return false;
  return true;
}

function parseTime(params: URLSearchParams, name: string, problems: string[]): number | undefined {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms) || (!/^\d+$/.test(value) && !/^\d{4}-\d\d-\d\dT/.test(value))) {
    problems.push(`${name}: expected an RFC 3339 time or milliseconds since the epoch`);
    return undefined;
  }
  return ms;
}
