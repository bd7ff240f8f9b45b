/**
 * The message bus as the services see it. Two implementations: Kafka (kafkajs, for separate processes and many
 * machines) and the in-memory bus of the one-process mode. Both keep the same promises, so the services do not know
 * which one they run on:
 *
 *   producer.send(topic, messages)   resolves only once the bus holds the messages durably (Kafka: acknowledged by
 *                                    all in-sync replicas); rejects with a PeregrineError: PG_ERR_BUS_UNAVAILABLE
 *                                    (try again later), PG_ERR_BUS_FULL (over capacity: back off),
 *                                    PG_ERR_BUS_MESSAGE_TOO_LARGE (split it).
 *   consumer.onBatch(handler)        batches of one partition, in offset order, one batch at a time per partition.
 *                                    When the handler resolves, the batch's offsets are committed; when it rejects,
 *                                    nothing is committed and the same messages come again after a backoff. Delivery
 *                                    is at-least-once: a crash between handling and commit replays, never loses.
 */
import type { Component } from '@peregrine/core';

export interface BusMessage {
  /** Partitioning key (same key, same partition, so order is kept per key). */
  readonly key?: string | undefined;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

export interface ReceivedMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as decimal strings. */
  readonly offset: string;
  readonly key?: string | undefined;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ReceivedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ReceivedMessage[];
}

export type BatchHandler = (batch: ReceivedBatch) => Promise<void>;

export interface BusProducer extends Component {
  send(topic: string, messages: readonly BusMessage[]): Promise<void>;
  /** The largest message value the bus takes; bigger payloads must be split by the caller. */
  readonly maxMessageBytes: number;
  /**
   * A round trip to the bus for readiness probes (Kafka: a metadata request, bounded to a few seconds): true when it
   * answered, false when not; never rejects; updates health(). Absent where the bus is always reachable (memory).
   */
  ping?(): Promise<boolean>;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Upper bound of messages handed to one handler call. */
  readonly maxBatchMessages?: number | undefined;
}

export interface BusConsumer extends Component {
  /** Must be called before start(). */
  onBatch(handler: BatchHandler): void;
  /** Messages produced but not yet committed by this group, over all its partitions; undefined when unknown. */
  lag(): Promise<number | undefined>;
}

export interface Bus {
  /** `bus` for the one-process mode, `kafka` otherwise: shown in logs and /readyz. */
  readonly kind: 'memory' | 'kafka';
  producer(): BusProducer;
  consumer(options: ConsumerOptions): BusConsumer;
}

/** Header names the pipeline puts on audit messages. */
export const HEADER_CLUSTER = 'peregrine-cluster';
export const HEADER_CONTENT_TYPE = 'content-type';
export const HEADER_RECEIVED_AT = 'peregrine-received-at';
/** On dead-letter messages: why the message could not be processed, and where it came from. */
export const HEADER_DEAD_LETTER_REASON = 'peregrine-dead-letter-reason';
export const HEADER_DEAD_LETTER_SOURCE = 'peregrine-dead-letter-source';
