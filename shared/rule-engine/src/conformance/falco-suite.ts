/**
 * Falco's own k8s-audit regression suite (falco 0.35.1, 66 tests), and the same tests against the current ruleset,
 * read from the conformance kit. Each case names a trace, the rules files in load order and what Falco expected;
 * `runCase` replays the trace through our engine with first-match, and `judge` applies Falco's test rules:
 *
 *   detect: False    no alert at all
 *   detect: True     at least one alert, and one of each `detect_level` priority
 *   detect_counts    exactly N alerts of each listed rule (other rules may fire too)
 *   stderr_contains  our decode errors contain the text
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { decodeAuditPayload } from '../decode.js';
import { formatDiagnostic } from '../errors.js';
import { loadRuleFiles } from '../loader/load.js';
import { parsePriority, type Priority } from '../priority.js';

export interface FalcoCase {
  readonly name: string;
  /** Absolute paths, in load order. */
  readonly rules: readonly string[];
  readonly trace: string;
  readonly detect: boolean;
  readonly levels: readonly Priority[];
  readonly counts: Readonly<Record<string, number>>;
  readonly stderrContains?: string | undefined;
}

export interface CaseRun {
  /** Alerts per rule name. */
  readonly alerts: Readonly<Record<string, number>>;
  readonly priorities: readonly Priority[];
  readonly decodeErrors: readonly string[];
}

/** The 66 cases of falco_k8s_audit_tests.yaml, with Falco's build paths mapped into the kit. */
export function readFalcoSuite(kit: string): FalcoCase[] {
  const base = join(kit, 'falco-0.35.1');
  const text = readFileSync(join(base, 'falco_k8s_audit_tests.yaml'), 'utf8').replace('!mux', '');
  const doc = parse(text) as { trace_files: Record<string, Record<string, unknown>> };
  const mapRules = (p: string): string => {
    if (p.includes('falcosecurity-rules-falco/')) return join(base, 'falcosecurity-rules-falco-rules-1.0.1', p.split('/').at(-1)!);
    if (p.includes('k8saudit-rules/')) return join(base, 'k8saudit-rules-0.6.0', p.split('/').at(-1)!);
    if (p.startsWith('./rules/')) return join(base, p.slice(2));
    throw new Error(`unexpected rules path in the suite: ${p}`);
  };
  return Object.entries(doc.trace_files).map(([name, t]) => {
    const opts = String(t['addl_cmdline_opts']);
    const trace = /open_params=(\S+)/.exec(opts)?.[1];
    if (!trace) throw new Error(`case ${name}: no trace in '${opts}'`);
    const levelsRaw = t['detect_level'];
    const levels = (Array.isArray(levelsRaw) ? levelsRaw : levelsRaw === undefined ? [] : [levelsRaw])
      .map((l) => parsePriority(String(l)) ?? fail(`case ${name}: bad level ${String(l)}`));
    const counts: Record<string, number> = {};
    for (const entry of (t['detect_counts'] as Record<string, number>[] | undefined) ?? []) Object.assign(counts, entry);
    return {
      name,
      rules: (t['rules_file'] as string[]).map(mapRules),
      trace: join(base, trace),
      detect: t['detect'] === true,
      levels,
      counts,
      stderrContains: t['stderr_contains'] as string | undefined,
    };
  });
}

export interface ExactCase {
  readonly name: string;
  readonly rules: readonly string[];
  readonly trace: string;
  readonly alerts: Readonly<Record<string, number>>;
}

/** rules-current/expected-first-match.json: the same 66 tests with the current ruleset and exact alert counts. */
export function readCurrentSuite(kit: string): ExactCase[] {
  const doc = JSON.parse(readFileSync(join(kit, 'rules-current', 'expected-first-match.json'), 'utf8')) as
    Record<string, { rules: string[]; trace: string; alerts: Record<string, number> }>;
  return Object.entries(doc).map(([name, c]) => ({
    name,
    rules: c.rules.map((r) => join(kit, r)),
    trace: join(kit, c.trace),
    alerts: c.alerts,
  }));
}

/** Loads the rules and replays the trace (JSON lines) with Falco's default first-match. */
export async function runCase(rules: readonly string[], trace: string): Promise<CaseRun> {
  const loaded = await loadRuleFiles(rules, { ruleMatching: 'first' });
  if (!loaded.ok || !loaded.ruleset) {
    throw new Error(`rules did not load:\n${loaded.errors.map(formatDiagnostic).join('\n')}`);
  }
  const alerts: Record<string, number> = {};
  const priorities: Priority[] = [];
  const decodeErrors: string[] = [];
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const { events, errors } = decodeAuditPayload(line);
    decodeErrors.push(...errors);
    for (const event of events) {
      for (const m of loaded.ruleset.evaluate(event)) {
        alerts[m.rule.name] = (alerts[m.rule.name] ?? 0) + 1;
        priorities.push(m.rule.priority);
      }
    }
  }
  return { alerts, priorities, decodeErrors };
}

/** Falco's verdict on a run: the list of reasons it fails (empty when it passes). */
export function judge(c: FalcoCase, run: CaseRun): string[] {
  const problems: string[] = [];
  const total = Object.values(run.alerts).reduce((a, b) => a + b, 0);
  if (!c.detect && total > 0) problems.push(`expected no alert, got ${JSON.stringify(run.alerts)}`);
  if (c.detect && total === 0) problems.push('expected alerts, got none');
  for (const level of c.levels) {
    if (c.detect && !run.priorities.includes(level)) problems.push(`expected an alert of priority ${level}`);
  }
  for (const [rule, n] of Object.entries(c.counts)) {
    if ((run.alerts[rule] ?? 0) !== n) problems.push(`expected ${n} alert(s) of '${rule}', got ${run.alerts[rule] ?? 0}`);
  }
  if (c.stderrContains && !run.decodeErrors.some((e) => e.includes(c.stderrContains!))) {
    problems.push(`expected an error containing '${c.stderrContains}', got ${JSON.stringify(run.decodeErrors)}`);
  }
  return problems;
}

function fail(message: string): never {
  throw new Error(message);
}
