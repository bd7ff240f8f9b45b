/**
 * The pool's worker thread: compiles the rules once, at load (from the texts in workerData, so every worker of a pool
 * runs exactly the same rules), then for each task decodes the batch's messages, evaluates every event and returns
 * the alerts. The task is synchronous from start to end: nothing async is left behind between tasks.
 */
import { hostname as machineName } from 'node:os';
import { workerData } from 'node:worker_threads';
import { formatDiagnostic, loadRules, type RuleMatching, type RulesInput, parsePriority } from '@peregrine/rule-engine';
import { loadNativeDecoder } from '@peregrine/simd-decode';
import type { EvaluateResult, EvaluateTask } from './batch.js';
import type { DecoderName } from './decoder-choice.js';
import { TaskEvaluator } from './task-evaluator.js';

export interface WorkerData {
  readonly rules: readonly RulesInput[];
  readonly ruleMatching: RuleMatching;
  readonly minPriority?: string | undefined;
  readonly hostname: string;
  readonly timingSampleEvery: number;
  /** Chosen on the main thread (decoder-choice.ts); absent: json. */
  readonly decoder?: DecoderName | undefined;
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
const native = data.decoder === 'native' ? loadNativeDecoder() : undefined;
// The main thread found the addon; a worker that cannot load it would be a broken install, worth failing loudly.
if (native && !native.available) throw new Error(`the native decoder does not load in a worker: ${native.reason}`);
const extractor = native?.available ? native.decoder.createExtractor(ruleset.slotPlan) : undefined;
const evaluator = new TaskEvaluator(ruleset, extractor, { ...alertOptions, timingSampleEvery: data.timingSampleEvery });

export default function evaluate(task: EvaluateTask): EvaluateResult {
  return evaluator.evaluate(task);
}
