/**
 * Per-rule cost, measured: each rule's compiled predicate is timed directly on every event it would see in the
 * evaluator (the events of its resources and verbs, as the Ruleset's index routes them; with first-match, only the events no
 * earlier rule matched), chunk by chunk as the evaluator touches events (chunk-timer.ts), median of several passes;
 * events seen x ns/event is its total and its share. Then the slowest rules (top 10%, or above 3x the median
 * ns/event) are explained from their expanded conditions (CompiledRule.fields/operators/checks): each field they read
 * is itself timed on the same events, so the explanation names what measurably dominates, not a guess.
 *
 * Invariant: measurement only; nothing here changes the ruleset, and the events are never modified.
 */
import { type AuditEvent, type CompiledRule, lookupField, type RuleMatching, type Ruleset } from '@peregrine/rule-engine';
import { median, timeJobs } from './chunk-timer.js';

export interface MeasuredEvent {
  readonly event: AuditEvent;
  /** Bytes of the event's JSON text (its line, or its share of an EventList line). */
  readonly bytes: number;
}

export interface RuleCost {
  readonly rule: CompiledRule;
  /** `any`, or the resources the index routes to the rule. */
  readonly resources: string;
  /** `any`, or the verbs the index routes to the rule. */
  readonly verbs: string;
  readonly eventsSeen: number;
  readonly nsPerEvent: number;
  /** Nanoseconds per pass over all events: eventsSeen x nsPerEvent. */
  readonly totalNs: number;
  /** Fraction (0..1) of the summed totalNs of all rules. */
  readonly share: number;
  /** Matches (with first-match: events where this rule was the first to match). */
  readonly matches: number;
  readonly flagged: boolean;
  /** Why the rule is costly, most important first (flagged rules only). */
  readonly reasons: readonly string[];
}

export interface RuleCostOptions {
  readonly ruleMatching: RuleMatching;
  /** Timed passes per rule (after one warm-up pass); the median is kept. Default 5. */
  readonly passes?: number;
}

/** Measures every active rule; sorted by totalNs, costliest first. */
export function measureRuleCosts(ruleset: Ruleset, events: readonly MeasuredEvent[], options: RuleCostOptions): RuleCost[] {
  const passes = Math.max(1, options.passes ?? 5);
  const active = ruleset.rules.filter((r) => r.enabled);
  const seen = new Map<CompiledRule, number[]>(active.map((r) => [r, []]));
  const matches = new Map<CompiledRule, number>(active.map((r) => [r, 0]));
  // Routing, exactly as Ruleset.evaluate: the index's candidates in load order, stopping at the first match if asked.
  events.forEach((m, position) => {
    for (const rule of ruleset.rulesForEvent(m.event)) {
      seen.get(rule)?.push(position);
      if (!rule.condition(m.event)) continue;
      matches.set(rule, (matches.get(rule) ?? 0) + 1);
      if (options.ruleMatching === 'first') break;
    }
  });

  const totals = timeJobs(events, active.map((rule) => ({ positions: seen.get(rule)!, call: (m: MeasuredEvent) => rule.condition(m.event) })), passes);
  const rows = active.map((rule, k) => {
    const positions = seen.get(rule)!;
    const totalNs = totals[k]!;
    return { rule, positions, totalNs, nsPerEvent: positions.length === 0 ? 0 : totalNs / positions.length };
  });
  const total = rows.reduce((a, r) => a + r.totalNs, 0) || 1;
  const sorted = [...rows].sort((a, b) => b.totalNs - a.totalNs);
  const flaggedSet = slowest(sorted);
  return sorted.map((r) => {
    const flagged = flaggedSet.has(r.rule);
    return {
      rule: r.rule,
      resources: keysText(r.rule.partition),
      verbs: keysText(r.rule.verbs),
      eventsSeen: r.positions.length,
      nsPerEvent: r.nsPerEvent,
      totalNs: r.totalNs,
      share: r.totalNs / total,
      matches: matches.get(r.rule) ?? 0,
      flagged,
      reasons: flagged ? explain(r.rule, events, r.positions, r.nsPerEvent, passes) : [],
    };
  });
}

/** The top 10% by total time (at least one), plus any rule above 3x the median ns/event of the rules that ran. */
function slowest(sorted: readonly { rule: CompiledRule; nsPerEvent: number; positions: readonly number[] }[]): Set<CompiledRule> {
  const ran = sorted.filter((r) => r.positions.length > 0);
  const flagged = new Set<CompiledRule>(ran.slice(0, Math.max(1, Math.ceil(sorted.length * 0.1))).map((r) => r.rule));
  const typical = median(ran.map((r) => r.nsPerEvent));
  for (const r of ran) if (r.nsPerEvent > 3 * typical) flagged.add(r.rule);
  return flagged;
}

/**
 * Why a rule costs what it costs: partitioning first (a rule narrowed to no resource or verb runs on every event), then
 * the fields it reads, each timed on the rule's own events (the ruleset extracts a field once per event however many
 * checks read it, so the cost is per event, not per check), then operator hints (substring scans over large values,
 * ordering comparisons of numbers, pointer walks, patterns, long `in` lists).
 */
function explain(rule: CompiledRule, all: readonly MeasuredEvent[], positions: readonly number[], nsPerEvent: number, passes: number): string[] {
  const reasons: string[] = [];
  const n = positions.length;
  if (rule.partition === 'any' && rule.verbs === 'any') reasons.push(`not partitioned by resource or verb: runs on every event (${n.toLocaleString('en-US')} of ${all.length.toLocaleString('en-US')})`);
  const meanKb = positions.reduce((a, p) => a + all[p]!.bytes, 0) / Math.max(1, n) / 1024;

  const byField = new Map<string, { field: string; arg: string | undefined; reads: number; operators: Set<string> }>();
  for (const c of rule.checks) {
    const key = c.arg === undefined ? c.field : `${c.field}[${c.arg}]`;
    let f = byField.get(key);
    if (!f) byField.set(key, (f = { field: c.field, arg: c.arg, reads: 0, operators: new Set() }));
    f.reads++;
    f.operators.add(c.operator);
  }
  const fields = [...byField].map(([key, f]) => ({ key, ...f, extract: lookupField(f.field)?.compile(f.arg) }))
    .filter((f): f is typeof f & { extract: NonNullable<typeof f.extract> } => f.extract !== undefined);
  const fieldTotals = timeJobs(all, fields.map((f) => ({ positions, call: (m: MeasuredEvent) => f.extract(m.event) })), passes);
  const costs = fields.map((f, k) => ({ ...f, ns: n === 0 ? 0 : fieldTotals[k]! / n })).sort((a, b) => b.ns - a.ns);
  let explained = 0;
  for (const c of costs.slice(0, 2)) {
    if (c.ns < 0.15 * nsPerEvent) break; // only fields that explain a real part of the time
    explained += c.ns;
    reasons.push(`${c.key} (${c.reads} check(s): ${[...c.operators].join(', ')}): ${fmtNs(c.ns)} to extract per event` +
      (meanKb >= 4 ? ` from events of ${meanKb.toFixed(1)} KB on average` : ''));
  }
  const textScans = rule.checks.filter((c) => /contains/.test(c.operator));
  if (textScans.length >= 4) reasons.push(`${textScans.length} substring scans of the values`);
  // Equality and `in` on numbers compare canonical texts; ordering (<, >=, ...) parses a BigInt per evaluation.
  // These hints matter only when the fields and the scans above do not already explain most of the time.
  const hint = explained < 0.5 * nsPerEvent && textScans.length < 4;
  const numeric = rule.checks.filter((c) => /^[<>]/.test(c.operator) && lookupField(c.field)?.type !== 'string');
  if (hint && numeric.length > 0) {
    reasons.push(`${numeric.length} numeric ordering comparison(s) (${[...new Set(numeric.map((c) => `${c.operand} ${c.operator}`))].join(', ')}): ` +
      'the value is parsed to a BigInt on every evaluation');
  }
  const pointerWalks = rule.checks.filter((c) => c.field === 'jevt.value').length;
  if (hint && pointerWalks >= 3) reasons.push(`${pointerWalks} jevt.value pointer walks`);
  const patterns = rule.operators.filter((o) => /^(regex|glob|iglob|pmatch)/.test(o));
  if (patterns.length > 0) reasons.push(`pattern operators: ${patterns.join(', ')}`);
  const lists = rule.checks.filter((c) => c.operator === 'in' || c.operator === 'intersects');
  if (hint && lists.length >= 8) reasons.push(`${lists.length} in/intersects checks over ${lists.reduce((a, c) => a + c.values, 0)} values`);
  if (reasons.length === 0) reasons.push(`${rule.checks.length} checks; no single field dominates`);
  return reasons;
}

function keysText(keys: CompiledRule['partition']): string {
  return keys === 'any' ? 'any' : [...keys].sort().join(',');
}

export function fmtNs(ns: number): string {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} us` : `${Math.round(ns)} ns`;
}
