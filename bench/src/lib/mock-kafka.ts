/**
 * Kafka settings for the mock broker (librdkafka's mock cluster, see shared/kafka/mock-broker and
 * docs kafka-in-ci): what it lacks is turned off (topic creation, the idempotent producer), and the group timings are
 * shortened (its first join takes ~3 s, later rebalances about sessionTimeout - 1 s; an empty fetch waits the whole
 * maxWaitTime). One place, so the ingest and e2e benches run the services exactly alike.
 */
import { loadConfig } from '@peregrine/core';
import { KafkaConfig } from '@peregrine/kafka';

const MOCK_SETTINGS = {
  createTopics: false, idempotent: false, sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000, maxWaitTimeMs: 100, retryBackoffMs: 200,
} as const;

/** Validated KafkaConfig for an in-process client of the mock broker. */
export function mockKafkaConfig(brokers: readonly string[]): KafkaConfig {
  return loadConfig(KafkaConfig, { brokers: [...brokers], ...MOCK_SETTINGS }) as KafkaConfig;
}

/** The `kafka:` section of a peregrine.yaml for services that run against the mock broker. */
export function mockKafkaYaml(brokers: readonly string[]): string[] {
  return [
    'kafka:',
    `  brokers: [${brokers.join(', ')}]`,
    ...Object.entries(MOCK_SETTINGS).map(([k, v]) => `  ${k}: ${String(v)}`),
  ];
}
