/**
 * Topic creation at start (`createTopics: true`): real clusters often disable auto-creation, and an auto-created
 * topic gets the broker's default partition count rather than ours. Creating is idempotent (an existing topic is
 * left as it is, whatever its partition count), and each topic is created at most once per client: concurrent
 * callers share one request, and a failed request is forgotten so that the next caller tries again.
 */
import type { Logger } from '@peregrine/core';
import type { Admin } from 'kafkajs';
import type { KafkaConfig } from './kafka-config.js';

export class TopicCreator {
  readonly #done = new Map<string, Promise<void>>();

  constructor(
    private readonly admin: Admin,
    private readonly config: KafkaConfig,
    private readonly logger: Logger,
  ) {}

  /** Resolves once every topic exists (no-op when `createTopics` is off); rejects with the kafkajs error. */
  async ensure(topics: readonly string[]): Promise<void> {
    if (!this.config.createTopics) return;
    await Promise.all(topics.map((topic) => {
      let p = this.#done.get(topic);
      if (!p) {
        p = this.#create(topic);
        this.#done.set(topic, p);
        p.catch(() => this.#done.delete(topic));
      }
      return p;
    }));
  }

  async #create(topic: string): Promise<void> {
    const created = await this.admin.createTopics({
      topics: [{
        topic, numPartitions: this.config.topicPartitions, replicationFactor: this.config.topicReplicationFactor,
      }],
      waitForLeaders: true,
      timeout: this.config.requestTimeoutMs,
    });
    if (created) this.logger.info({ topic, partitions: this.config.topicPartitions }, 'created topic');
  }
}
