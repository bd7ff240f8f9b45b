export { EvaluatorConfig } from './config.js';
export { buildEvaluator, type Evaluator, type EvaluatorDeps, type EvaluatorTopics, type ReloadResult } from './service.js';
