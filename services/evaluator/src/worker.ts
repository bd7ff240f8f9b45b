/**
 * The pool's worker thread: compiles the rules once, at load (from the texts in workerData, so every worker of a pool
 * runs exactly the same rules), then for each task decodes the batch's messages, evaluates every event and returns
 * the alerts. The task is synchronous from start to end: nothing async is left behind between tasks.
 */
import { hostname as machineName } from 'node:os';
import { workerData } from 'node:worker_threads';
import {
  alertToJson, buildAlert, decodeAuditPayload, formatDiagnostic, loadRules, type RuleMatching, type RulesInput,
  type RuleTiming, parsePriority,
} from '@peregrine/rule-engine';
import type { EvaluateResult, EvaluateTask } from './batch.js';
import { deadLetterReason } from './dead-letter-reason.js';

export interface WorkerData {
  readonly rules: readonly RulesInput[];
  readonly ruleMatching: RuleMatching;
  readonly minPriority?: string | undefined;
  readonly hostname: string;
  readonly timingSampleEvery: number;
}

const data = workerData as WorkerData;
const loaded = loadRules(data.rules, {
  ruleMatching: data.ruleMatching,
  minPriority: data.minPriority ? parsePriority(data.minPriority) : undefined,
});
if (!loaded.ok || !loaded.ruleset) {
  // The main thread validated these texts before starting the pool; this is a bug, not bad input.
  throw new Error(`rules failed to load in a worker:\n${loaded.errors.map(formatDiagnostic).join('\n')}`);
}
const ruleset = loaded.ruleset;
const alertOptions = { hostname: data.hostname || machineName() };
const decoder = new TextDecoder('utf-8', { fatal: false });
let eventCounter = 0;

export default function evaluate(task: EvaluateTask): EvaluateResult {
  const bytes = new Uint8Array(task.buffer);
  const alerts: EvaluateResult['alerts'][number][] = [];
  const deadLetters: EvaluateResult['deadLetters'][number][] = [];
  const rules: Record<string, { matches: number; ns: number; runs: number }> = {};
  const timings = new Map<string, RuleTiming>();
  let events = 0;
  let start = 0;
  for (let i = 0; i < task.ends.length; i++) {
    const end = task.ends[i]!;
    const text = decoder.decode(bytes.subarray(start, end));
    start = end;
    const cluster = task.clusters[i] ?? 'default';
    const decoded = decodeAuditPayload(text, cluster);
    if (decoded.errors.length > 0) deadLetters.push({ index: i, reason: deadLetterReason(decoded.errors) });
    for (const event of decoded.events) {
      events++;
      const timed = ++eventCounter % data.timingSampleEvery === 0;
      const matches = timed ? ruleset.evaluateTimed(event, timings) : ruleset.evaluate(event);
      for (const m of matches) {
        const alert = buildAlert(m, alertOptions);
        alerts.push({ index: i, id: alert.id, cluster: alert.cluster, rule: alert.rule, priority: alert.priority, json: alertToJson(alert) });
        const r = (rules[alert.rule] ??= { matches: 0, ns: 0, runs: 0 });
        r.matches++;
      }
    }
  }
  for (const [name, t] of timings) {
    const r = (rules[name] ??= { matches: 0, ns: 0, runs: 0 });
    r.ns += t.ns;
    r.runs += t.runs;
  }
  return { alerts, deadLetters, events, rules };
}

