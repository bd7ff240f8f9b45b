/**
 * The Kafka settings of every service (`kafka:` in the config file, `PEREGRINE_KAFKA__*` in the environment), and
 * their translation into kafkajs options. This module owns the defaults and their units: every duration is in
 * milliseconds and every size in bytes, and nothing outside it picks a Kafka timeout.
 *
 * Against the mock broker of the tests (`shared/kafka/mock-broker`) turn off what it does not implement:
 * `createTopics: false`, `idempotent: false`; and shorten the group timings (`sessionTimeoutMs: 6000`,
 * `heartbeatIntervalMs: 1000`, `maxWaitTimeMs: 100`).
 */
import { readFileSync } from 'node:fs';
import { PeregrineError } from '@peregrine/core';
import { type Static, Type } from '@sinclair/typebox';
import type { KafkaConfig as KafkaJsConfig, SASLOptions } from 'kafkajs';

const Ms = (defaultMs: number, description: string) =>
  Type.Integer({ minimum: 1, default: defaultMs, description: `${description} (ms)` });

/**
 * Schema of the Kafka settings. Validate with `loadConfig(KafkaConfig, raw)` from `@peregrine/core` (defaults,
 * conversion of environment strings, strict check, freeze), or embed it in a service's schema as `kafka`.
 */
export const KafkaConfig = Type.Object(
  {
    brokers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'bootstrap brokers, host:port' }),
    clientId: Type.String({ minLength: 1, default: 'peregrine', description: 'client id sent to the brokers (their logs and quotas)' }),
    createTopics: Type.Boolean({
      default: true,
      description: 'create the topics at start (admin CreateTopics); off for the mock broker, which lacks it',
    }),
    topicPartitions: Type.Integer({ minimum: 1, default: 12, description: 'partitions of topics we create' }),
    topicReplicationFactor: Type.Integer({
      minimum: -1, default: -1, description: 'replication of topics we create; -1: the broker default',
    }),
    idempotent: Type.Boolean({
      default: true,
      description: 'idempotent producer (no duplicates from internal retries); off for the mock broker',
    }),
    maxMessageBytes: Type.Integer({
      minimum: 1024,
      default: 1024 * 1024,
      description: 'largest message value we send; keep it below the broker message.max.bytes (bytes)',
    }),
    ssl: Type.Optional(Type.Object(
      {
        ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CA certificates' })),
        cert: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the client certificate' })),
        key: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the client key' })),
        rejectUnauthorized: Type.Boolean({ default: true, description: 'verify the brokers\' certificates' }),
      },
      { additionalProperties: false, description: 'TLS; an empty map means TLS with the system CAs' },
    )),
    sasl: Type.Optional(Type.Object(
      {
        mechanism: Type.Union([Type.Literal('plain'), Type.Literal('scram-sha-256'), Type.Literal('scram-sha-512')], {
          description: 'SASL mechanism (use plain only over TLS)',
        }),
        username: Type.String({ minLength: 1, description: 'SASL user name' }),
        password: Type.String({
          minLength: 1, description: 'SASL password; give it in the environment (PEREGRINE_KAFKA__SASL__PASSWORD), not the file',
        }),
      },
      { additionalProperties: false, description: 'SASL authentication' },
    )),
    connectionTimeoutMs: Ms(3000, 'TCP (and TLS) connection'),
    requestTimeoutMs: Ms(30_000, 'one request, including the acknowledgement of a produce'),
    retries: Type.Integer({
      minimum: 0, default: 5, description: 'retries of a failed request before send() rejects',
    }),
    retryInitialMs: Ms(300, 'first retry delay; doubles at each retry'),
    retryMaxMs: Ms(30_000, 'longest retry delay'),
    sessionTimeoutMs: Ms(30_000, 'consumer group session; a silent member is removed after it'),
    heartbeatIntervalMs: Ms(3000, 'consumer heartbeats; about a third of the session timeout'),
    maxWaitTimeMs: Ms(500, 'longest wait of a fetch for new data'),
    retryBackoffMs: Ms(1000, 'wait before a batch whose handler failed is delivered again'),
    partitionsConsumedConcurrently: Type.Integer({
      minimum: 1, default: 4, description: 'batches of different partitions handled at the same time, per consumer',
    }),
    logLevel: Type.Union(
      [Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug')],
      { default: 'warn', description: 'log level of the Kafka client, kafkajs (its logs go to the service logger)' },
    ),
  },
  {
    additionalProperties: false,
    description: 'the Kafka cluster of the services run separately; required by ingest, evaluator and outputs, unused ' +
      'by `peregrine run`',
  },
);

/** The validated Kafka settings (every default filled in). */
export type KafkaConfig = Static<typeof KafkaConfig>;

/** kafkajs client options (without logging, which kafka-log.ts wires). TLS files are read here: PG_ERR_CONFIG. */
export function toKafkaJsConfig(config: KafkaConfig): KafkaJsConfig {
  return {
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs,
    authenticationTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // enforceRequestTimeout (the default) makes a request that gets no answer fail after requestTimeout, so that
    // send() always settles in bounded time.
    enforceRequestTimeout: true,
    retry: retryOptions(config),
    ...(config.ssl ? { ssl: sslOptions(config.ssl) } : {}),
    ...(config.sasl ? { sasl: config.sasl as SASLOptions } : {}),
  };
}

/** kafkajs retry options from ours (its `factor` jitter and `multiplier` stay at their defaults, 0.2 and 2). */
export function retryOptions(config: KafkaConfig): { retries: number; initialRetryTime: number; maxRetryTime: number } {
  return { retries: config.retries, initialRetryTime: config.retryInitialMs, maxRetryTime: config.retryMaxMs };
}

function sslOptions(ssl: NonNullable<KafkaConfig['ssl']>): NonNullable<KafkaJsConfig['ssl']> {
  const read = (what: string, path: string | undefined) => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new PeregrineError('PG_ERR_CONFIG',
        `cannot read kafka.ssl.${what} (${path}): ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    }
  };
  const ca = read('ca', ssl.ca);
  const cert = read('cert', ssl.cert);
  const key = read('key', ssl.key);
  return {
    rejectUnauthorized: ssl.rejectUnauthorized,
    ...(ca !== undefined ? { ca: [ca] } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
  };
}
