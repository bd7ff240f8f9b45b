/**
 * The evaluator's settings. Rules are files (or directories of them) loaded in order, as `peregrine replay --rules`.
 */
import { type Static, Type } from '@sinclair/typebox';

export const Priority = Type.Union(
  ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'info', 'debug']
    .map((p) => Type.Literal(p)),
);

export const EvaluatorConfig = Type.Object({
  /** Rules files or directories, loaded in order. Empty: the project's rules/ (the CLI fills it in). */
  rules: Type.Array(Type.String(), { default: [] }),
  ruleMatching: Type.Union([Type.Literal('first'), Type.Literal('all')], { default: 'first' }),
  minPriority: Type.Optional(Priority),
  groupId: Type.String({ default: 'peregrine-evaluator', minLength: 1 }),
  /** Worker threads; 0 means one per core. */
  workers: Type.Integer({ minimum: 0, default: 0 }),
  /** Messages handed to the pool per task. */
  maxBatchMessages: Type.Integer({ minimum: 1, default: 500 }),
  /** Reload the rules when their files change (SIGHUP always reloads). */
  watchRules: Type.Boolean({ default: true }),
  /** The alerts' `hostname`; empty means this machine's name. */
  hostname: Type.String({ default: '' }),
  /** One event in this many is evaluated with per-rule timing for the cost metrics. */
  timingSampleEvery: Type.Integer({ minimum: 1, default: 64 }),
}, { additionalProperties: false });

export type EvaluatorConfig = Static<typeof EvaluatorConfig>;
