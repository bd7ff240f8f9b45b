/**
 * The evaluator's pool and batch packing, for measurements (bench/): a benchmark must run exactly what the evaluator
 * runs, not a copy that could drift. Not part of the service's API: `@peregrine/evaluator/internals` may change with
 * any release.
 */
export { type EvaluateResult, type EvaluateTask, packBatch } from './batch.js';
export { RulePool } from './pool.js';
export type { WorkerData } from './worker.js';
export { decodeMessage, forEachMessage } from './decode-batch.js';
export { TaskEvaluator, type TaskEvaluatorOptions } from './task-evaluator.js';
export { chooseDecoder, type DecoderChoice, type DecoderName } from './decoder-choice.js';
