/**
 * The evaluator's own pool and batch packing, for the pool bench: the bench must measure exactly what the evaluator
 * runs (its piscina pool, its worker file, its packBatch), not a copy that could drift. The evaluator package exports
 * only its service factory, so these come from its compiled files by a path inside this repository.
 * TODO(bench): import them from `@peregrine/evaluator` once it exports RulePool/packBatch (or an `./internals` entry).
 */
export { packBatch, type EvaluateResult, type EvaluateTask } from '../../../services/evaluator/dist/batch.js';
export { RulePool } from '../../../services/evaluator/dist/pool.js';
export type { WorkerData } from '../../../services/evaluator/dist/worker.js';
