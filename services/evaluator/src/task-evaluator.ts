/**
 * One task's work, as a worker does it: decode every message (decode-batch.ts), evaluate every event, build the
 * alerts and the dead letters. A class of its own so that tests can run exactly the worker's code on both decoders.
 */
import { alertToJson, buildAlert, type Ruleset, type RuleTiming } from '@peregrine/rule-engine';
import type { SlotExtractor } from '@peregrine/simd-decode';
import type { EvaluateResult, EvaluateTask } from './batch.js';
import { deadLetterReason } from './dead-letter-reason.js';
import { forEachMessage } from './decode-batch.js';

export interface TaskEvaluatorOptions {
  /** The alerts' `hostname`. */
  readonly hostname: string;
  /** One event in this many is evaluated with per-rule timing. */
  readonly timingSampleEvery: number;
}

export class TaskEvaluator {
  #eventCounter = 0;

  /** @param extractor the native decoder's extractor for this ruleset's plan; undefined: JSON.parse. */
  constructor(
    private readonly ruleset: Ruleset,
    private readonly extractor: SlotExtractor | undefined,
    private readonly options: TaskEvaluatorOptions,
  ) {}

  evaluate(task: EvaluateTask): EvaluateResult {
    const bytes = new Uint8Array(task.buffer);
    const alerts: EvaluateResult['alerts'][number][] = [];
    const deadLetters: EvaluateResult['deadLetters'][number][] = [];
    const rules: Record<string, { matches: number; ns: number; runs: number }> = {};
    const timings = new Map<string, RuleTiming>();
    const alertOptions = { hostname: this.options.hostname };
    let events = 0;
    forEachMessage(bytes, task.ends, task.clusters, this.extractor, (i, decoded) => {
      if (decoded.errors.length > 0) deadLetters.push({ index: i, reason: deadLetterReason(decoded.errors) });
      for (const event of decoded.events) {
        events++;
        const timed = ++this.#eventCounter % this.options.timingSampleEvery === 0;
        const matches = timed ? this.ruleset.evaluateTimed(event, timings) : this.ruleset.evaluate(event);
        for (const m of matches) {
          const alert = buildAlert(m, alertOptions);
          alerts.push({ index: i, id: alert.id, cluster: alert.cluster, rule: alert.rule, priority: alert.priority, json: alertToJson(alert) });
          const r = (rules[alert.rule] ??= { matches: 0, ns: 0, runs: 0 });
          r.matches++;
        }
      }
    });
    for (const [name, t] of timings) {
      const r = (rules[name] ??= { matches: 0, ns: 0, runs: 0 });
      r.ns += t.ns;
      r.runs += t.runs;
    }
    return { alerts, deadLetters, events, rules };
  }
}
