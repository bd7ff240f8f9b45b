/**
 * The evaluator's own pool and batch packing, for the pool bench: the bench must measure exactly what the evaluator
 * runs (its piscina pool, its worker file, its packBatch), not a copy that could drift.
 */
export {
  chooseDecoder, type EvaluateResult, type EvaluateTask, packBatch, RulePool, type WorkerData,
} from '@peregrine/evaluator/internals';
