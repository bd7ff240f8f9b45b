/**
 * Watches the dead-letter topic the way an operator's tooling would: a consumer of its own group on the broker,
 * reading from the oldest retained message, started before the fault so that nothing written during it can be
 * missed. A case that claims "nothing was dead-lettered" needs this, not the absence of a log line: the topic is
 * where a dead letter really goes.
 */
import type { TestContext } from 'node:test';
import { loadConfig } from '@peregrine/core';
import { KafkaBus, KafkaConfig, type ReceivedMessage } from '@peregrine/kafka';
import type { MockBroker } from '@peregrine/testkit';
import { TOPICS } from './kafka-pipeline.js';

export interface DeadLetterWatch {
  /** Every dead-letter message read so far. */
  messages(): ReceivedMessage[];
  /**
   * Messages in the topic that this watch has not read yet (the group's lag); 0 together with no messages read
   * proves the topic empty, not merely unread. Undefined when the broker does not answer.
   */
  unread(): Promise<number | undefined>;
}

/** Starts the watch; resolves once its consumer has joined its group (a few seconds on the mock broker). */
export async function watchDeadLetters(t: TestContext, broker: MockBroker, topic: string = TOPICS.deadLetter): Promise<DeadLetterWatch> {
  const config = loadConfig(KafkaConfig, {
    brokers: broker.bootstrap, clientId: 'faults-dead-letter-watch', createTopics: false, idempotent: false,
    sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000, maxWaitTimeMs: 100,
  });
  const consumer = new KafkaBus(config).consumer({ groupId: `faults-dead-letter-watch-${process.pid}`, topics: [topic] });
  const seen: ReceivedMessage[] = [];
  consumer.onBatch(async (batch) => {
    seen.push(...batch.messages);
  });
  await consumer.start();
  t.after(() => consumer.stop());
  return { messages: () => [...seen], unread: () => consumer.lag() };
}
