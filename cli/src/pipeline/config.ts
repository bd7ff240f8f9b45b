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
 *   outputs:   { sinks: [...] }
 *   metrics:   { listen }                                       (evaluator and outputs processes)
 *   deadLetters: { file }                                      (only `peregrine run`)
 */
import { type Static, Type } from '@sinclair/typebox';
import { applyEnv, loadConfig, readConfigFile } from '@peregrine/core';
import { EvaluatorConfig } from '@peregrine/evaluator';
import { IngestConfig } from '@peregrine/ingest';
import { KafkaConfig } from '@peregrine/kafka';
import { OutputsConfig } from '@peregrine/outputs';

export const TopicsConfig = Type.Object({
  audit: Type.String({ default: 'peregrine-audit', minLength: 1 }),
  alerts: Type.String({ default: 'peregrine-alerts', minLength: 1 }),
  deadLetter: Type.String({ default: 'peregrine-dead-letter', minLength: 1 }),
}, { additionalProperties: false, default: {} });

export const MemoryBusConfig = Type.Object({
  /** Bytes of not-yet-processed messages a topic may hold before ingest answers 503. */
  maxTopicBytes: Type.Integer({ minimum: 1024, default: 256 * 1024 * 1024 }),
  partitions: Type.Integer({ minimum: 1, default: 4 }),
}, { additionalProperties: false, default: {} });

export const PeregrineConfig = Type.Object({
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  topics: TopicsConfig,
  kafka: Type.Optional(KafkaConfig),
  memoryBus: MemoryBusConfig,
  ingest: Type.Object(IngestConfig.properties, { additionalProperties: false, default: {} }),
  evaluator: Type.Object(EvaluatorConfig.properties, { additionalProperties: false, default: {} }),
  outputs: OutputsConfig,
  metrics: Type.Object({
    /** Where the evaluator and outputs processes serve /metrics, /healthz and /readyz. */
    listen: Type.String({ default: '127.0.0.1:9464' }),
  }, { additionalProperties: false, default: {} }),
  /** `peregrine run` only: what becomes of the dead-letter topic of the in-memory bus (see dead-letter-drain.ts). */
  deadLetters: Type.Object({
    /** A JSON-lines file each dead letter is appended to; without it they are logged and counted only. */
    file: Type.Optional(Type.String({ minLength: 1 })),
  }, { additionalProperties: false, default: {} }),
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
