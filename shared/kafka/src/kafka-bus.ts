/**
 * The Kafka bus: the Bus contract on kafkajs 2.2.4, for separate processes and many machines. One KafkaBus holds one
 * kafkajs client configuration; each producer() and consumer() is its own set of connections, started and stopped
 * by the service like any other Component.
 *
 *   const bus = new KafkaBus(loadConfig(KafkaConfig, raw.kafka), logger);
 *   const producer = bus.producer();                        // ingest
 *   const consumer = bus.consumer({ groupId: 'evaluator', topics: ['audit'] });
 *
 * kafkajs is imported here and in the kafka-*.ts files of this package only (STYLE rule 4).
 */
import { type Logger, silentLogger } from '@peregrine/core';
import { Kafka } from 'kafkajs';
import { type KafkaConfig, toKafkaJsConfig } from './kafka-config.js';
import { KafkaConsumer } from './kafka-consumer.js';
import { kafkaLogCreator, kafkaLogLevel } from './kafka-log.js';
import { KafkaProducer } from './kafka-producer.js';
import type { Bus, ConsumerOptions } from './types.js';

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  readonly #kafka: Kafka;
  readonly #logger: Logger;

  /**
   * `config` must be validated (`loadConfig(KafkaConfig, raw)`), which fills the defaults. kafkajs logs through
   * `logger` (at `config.logLevel`); default: nowhere. Reads the TLS files named in `config.ssl` (PG_ERR_CONFIG when
   * unreadable); connects nowhere until a producer or consumer starts.
   */
  constructor(
    readonly config: KafkaConfig,
    logger: Logger = silentLogger(),
  ) {
    this.#logger = logger;
    this.#kafka = new Kafka({
      ...toKafkaJsConfig(config),
      logLevel: kafkaLogLevel(config.logLevel),
      logCreator: kafkaLogCreator(logger),
    });
  }

  /** A new producer (not started). */
  producer(): KafkaProducer {
    return new KafkaProducer(this.#kafka, this.config, this.#logger);
  }

  /** A new member of consumer group `options.groupId` (not started; call onBatch() first). */
  consumer(options: ConsumerOptions): KafkaConsumer {
    return new KafkaConsumer(this.#kafka, this.config, options, this.#logger);
  }
}
