/**
 * The evaluator's settings. Rules are files (or directories of them) loaded in order, as `peregrine replay --rules`.
 */
import { type Static, Type } from '@sinclair/typebox';

export const Priority = Type.Union(
  ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'info', 'debug']
    .map((p) => Type.Literal(p)),
);

export const EvaluatorConfig = Type.Object({
  rules: Type.Array(Type.String(), {
    default: [],
    description: 'Rules files or directories (their `*.yaml`/`*.yml` files, sorted by name), loaded in order: later ' +
      'files append to and override earlier ones. Empty: the project\'s rules/ (the command line fills it in).',
  }),
  ruleMatching: Type.Union([Type.Literal('first'), Type.Literal('all')], {
    default: 'first',
    description: '`first`: at most one alert per event, from the first matching rule in load order (Falco\'s default); ' +
      '`all`: one alert per matching rule.',
  }),
  minPriority: Type.Optional(Type.Union(Priority.anyOf, {
    description: 'Rules less severe than this are not loaded (Falco\'s order, emergency .. debug). Unset: every rule.',
  })),
  groupId: Type.String({
    default: 'peregrine-evaluator', minLength: 1,
    description: 'Kafka consumer group of the evaluators: every evaluator of one pipeline uses the same, and Kafka ' +
      'shares the audit topic\'s partitions among them.',
  }),
  workers: Type.Integer({
    minimum: 0, default: 0,
    description: 'Worker threads that evaluate the rules; 0 means one per core as Node.js counts them (the node\'s, ' +
      'not the container\'s CPU limit: set it in containers).',
  }),
  maxBatchMessages: Type.Integer({
    minimum: 1, default: 500, description: 'Bus messages (webhook bodies) handed to the worker pool per task.',
  }),
  watchRules: Type.Boolean({
    default: true,
    description: 'Reload the rules when their files or directories change (SIGHUP always reloads). Rules that do not ' +
      'load are refused and the rules in force kept.',
  }),
  hostname: Type.String({ default: '', description: 'The alerts\' `hostname`; empty means this machine\'s name.' }),
  decoder: Type.Union([Type.Literal('auto'), Type.Literal('native'), Type.Literal('json')], {
    default: 'auto',
    description: 'How events are decoded. `native`: simdjson (the @peregrine/simd-decode addon, built at install ' +
      'where libsimdjson-dev is present) validates each message and hands the rules the values they read, typed, ' +
      'without building event objects; ' +
      '`json`: JSON.parse; `auto`: native when the addon is built, else json. Both give the same alerts.',
  }),
  timingSampleEvery: Type.Integer({
    minimum: 1, default: 64,
    description: 'One event in this many is evaluated with per-rule timing, for ' +
      '`peregrine_evaluator_rule_evaluation_seconds_total`.',
  }),
}, { additionalProperties: false });

export type EvaluatorConfig = Static<typeof EvaluatorConfig>;
