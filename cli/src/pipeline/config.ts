/**
 * The one configuration file of Peregrine (`--config peregrine.yaml`): every service's settings in one place, so the
 * same file serves the one-process mode and each service run on its own. Precedence, lowest first: defaults, the
 * file, `PEREGRINE_*` environment variables (plus `KAFKA_BROKERS`), command-line flags. Unknown keys and bad values
 * are errors that list every problem.
 *
 *   topics:    { audit, alerts, deadLetter }
 *   kafka:     { brokers, createTopics, idempotent, ... }       (not used by `peregrine run`)
 *   memoryBus: { maxTopicBytes, partitions }                    (only `peregrine run`)
 *   ingest:    { listen, auth, tls, maxBodyBytes, ... }
 *   evaluator: { rules, ruleMatching, workers, ... }
 *   outputs:   { sinks: [...], ui: { enabled, listen, ... } }     (ui: the alerts web UI)
 *   metrics:   { listen }                                       (evaluator and outputs processes; run's UI)
 *   deadLetters: { file }                                      (only `peregrine run`)
 */
import { type Static, Type } from '@sinclair/typebox';
import { applyEnv, loadConfig, readConfigFile } from '@peregrine/core';
import { EvaluatorConfig } from '@peregrine/evaluator';
import { IngestConfig } from '@peregrine/ingest';
import { KafkaConfig } from '@peregrine/kafka';
import { OutputsConfig } from '@peregrine/outputs';

export const DEFAULT_METRICS_LISTEN = '127.0.0.1:9464';

export const TopicsConfig = Type.Object({
  audit: Type.String({
    default: 'peregrine-audit', minLength: 1,
    description: 'Webhook bodies as received (EventLists, split on event boundaries when too large), without a key (spread over ' +
      'the partitions; the cluster is a header). ' +
      'Written by ingest, read by the evaluator group.',
  }),
  alerts: Type.String({
    default: 'peregrine-alerts', minLength: 1,
    description: 'One alert per message (Falco alert JSON plus `cluster` and `id`), keyed by alert id. Written by the ' +
      'evaluators, read by the outputs group.',
  }),
  deadLetter: Type.String({
    default: 'peregrine-dead-letter', minLength: 1,
    description: 'Audit messages that cannot be decoded and alerts that cannot be delivered, each with a ' +
      '`peregrine-dead-letter-reason` and a `peregrine-dead-letter-source` header. Written by the evaluators and the ' +
      'outputs; nothing in Peregrine reads it except `peregrine run`, which logs it (deadLetters).',
  }),
}, {
  additionalProperties: false, default: {},
  description: 'The names of the three topics (Kafka topics, or those of the in-memory bus of `peregrine run`). Every ' +
    'service of one pipeline must use the same names.',
});

export const MemoryBusConfig = Type.Object({
  maxTopicBytes: Type.Integer({
    minimum: 1024, default: 256 * 1024 * 1024,
    description: 'Bytes of not-yet-processed messages a topic may hold before ingest answers 503 with Retry-After.',
  }),
  partitions: Type.Integer({
    minimum: 1, default: 4,
    description: 'Partitions of each topic: batches of different partitions are evaluated and delivered concurrently.',
  }),
}, {
  additionalProperties: false, default: {},
  description: '`peregrine run` only: the bounded in-memory bus that joins the services of the one process (not durable ' +
    'across a crash of the process).',
});

export const PeregrineConfig = Type.Object({
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), {
    default: 'info', description: 'Least severe log level written (logs are JSON lines on stderr).',
  }),
  topics: TopicsConfig,
  kafka: Type.Optional(KafkaConfig),
  memoryBus: MemoryBusConfig,
  ingest: Type.Object(IngestConfig.properties, {
    additionalProperties: false, default: {},
    description: 'The webhook the kube-apiservers post their audit events to (`peregrine ingest`, and `peregrine run`).',
  }),
  evaluator: Type.Object(EvaluatorConfig.properties, {
    additionalProperties: false, default: {},
    description: 'The rules and the worker pool that evaluates them (`peregrine evaluator`, and `peregrine run`).',
  }),
  outputs: OutputsConfig,
  metrics: Type.Object({
    listen: Type.String({
      default: DEFAULT_METRICS_LISTEN,
      description: 'Where the evaluator and outputs processes serve /metrics, /healthz and /readyz (`host:port`), and ' +
        'the outputs process its alerts UI (/ui/) unless `outputs.ui.listen` gives it a listener of its own. ingest, ' +
        'and `peregrine run`, serve /metrics on the webhook listener; `peregrine run` opens this one for the alerts UI.',
    }),
  }, {
    additionalProperties: false, default: {},
    description: 'The health and metrics listener of `peregrine evaluator` and `peregrine outputs` (and of the alerts UI ' +
      'of `peregrine run`).',
  }),
  /** `peregrine run` only: what becomes of the dead-letter topic of the in-memory bus (see dead-letter-drain.ts). */
  deadLetters: Type.Object({
    file: Type.Optional(Type.String({
      minLength: 1,
      description: 'A JSON-lines file each dead letter is appended to (time, reason, source, cluster, key, headers, ' +
        'value); without it they are logged (warn, never their content) and counted only.',
    })),
  }, {
    additionalProperties: false, default: {},
    description: '`peregrine run` only: the dead-letter topic of the in-memory bus is drained, each dead letter logged ' +
      'and counted (`peregrine_dead_letters_recorded_total`). With Kafka, read the topic with your own tools.',
  }),
}, { additionalProperties: false });

export type PeregrineConfig = Static<typeof PeregrineConfig>;

/** Builds the effective config: file (optional), then environment, then `overrides` (from flags). */
export function resolveConfig(options: {
  file?: string | undefined;
  env: NodeJS.ProcessEnv;
  overrides: (raw: Record<string, unknown>) => void;
}): PeregrineConfig {
  let raw = options.file ? readConfigFile(options.file) : {};
  raw = applyEnv(raw, options.env);
  if (options.env['KAFKA_BROKERS']) {
    const kafka = (raw['kafka'] ??= {}) as Record<string, unknown>;
    kafka['brokers'] ??= options.env['KAFKA_BROKERS'].split(',').map((b) => b.trim()).filter(Boolean);
  }
  options.overrides(raw);
  return loadConfig(PeregrineConfig, raw) as PeregrineConfig;
}

/** Sets `raw.a.b.c = value`, creating the objects on the way. */
export function setPath(raw: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let target = raw;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[path.at(-1)!] = value;
}
