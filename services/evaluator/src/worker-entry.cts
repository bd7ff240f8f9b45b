/**
 * The file piscina loads in each worker thread: CommonJS on purpose, importing the real worker (worker.ts, an ES
 * module) asynchronously.
 *
 * Why: piscina require()s its worker file first. Node 20 lets require() load an ES module, synchronously, and a worker
 * terminated in the middle of that (a pool closed while its threads are still loading, as when SIGTERM follows a rules
 * reload) aborts the whole process with a V8 fatal error ("Module::IsGraphAsync must be used on an instantiated
 * module"), seen under load. A CommonJS file is not an ES module, and import() does not take that path.
 */
import type { EvaluateResult, EvaluateTask } from './batch.js' with { 'resolution-mode': 'import' };

type Evaluate = (task: EvaluateTask) => EvaluateResult;

let evaluate: Evaluate | undefined;
// A worker whose rules or decoder fail to load rejects here, unhandled: the thread fails as it did when worker.ts was
// loaded directly, and piscina reports it.
const loading = import('./worker.js').then((worker: { default: Evaluate }) => {
  evaluate = worker.default;
});

export = function evaluateBatch(task: EvaluateTask): EvaluateResult | Promise<EvaluateResult> {
  return evaluate ? evaluate(task) : loading.then(() => evaluate!(task));
};
