/**
 * The Kafka producer behind the Bus contract. Its invariant: `send()` resolves only after the brokers acknowledged
 * every message with acks=-1 (all in-sync replicas), so that ingest can answer 200 knowing the events are durable;
 * any failure rejects with a coded error and leaves the decision (503, retry, split) to the caller.
 *
 * Health follows what was last seen of the cluster: a send or a ping that reached it makes the producer healthy, a
 * send that could not reach it (PG_ERR_BUS_UNAVAILABLE) unhealthy. While unhealthy, a background ping every
 * PROBE_INTERVAL_MS checks whether the cluster is back, so that an idle ingest becomes ready again without traffic.
 */
import { type Health, type Logger, PeregrineError } from '@peregrine/core';
import { type Admin, type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { type KafkaConfig, retryOptions } from './kafka-config.js';
import { toBusError } from './kafka-errors.js';
import { TopicCreator } from './kafka-topics.js';
import { chunkBySize } from './produce-chunks.js';
import type { BusMessage, BusProducer } from './types.js';

/** Interval of the background ping while the producer is unhealthy. */
const PROBE_INTERVAL_MS = 5000;

/** A BusProducer on kafkajs; create it with `KafkaBus.producer()`. */
export class KafkaProducer implements BusProducer {
  readonly name = 'kafka-producer';
  readonly maxMessageBytes: number;
  readonly #producer: Producer;
  readonly #admin: Admin;
  readonly #topics: TopicCreator;
  readonly #inFlight = new Set<Promise<void>>();
  #state: 'new' | 'running' | 'stopped' = 'new';
  #health: Health = { ok: false, detail: 'not started' };
  #probe: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly config: KafkaConfig,
    private readonly logger: Logger,
  ) {
    this.maxMessageBytes = config.maxMessageBytes;
    this.#producer = kafka.producer({
      // kafkajs 2's default, named so that it does not warn about the change of default from 1.x: murmur2 of the
      // key, like the Java client, so the same key lands on the same partition whichever client produced it.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: config.idempotent,
      retry: retryOptions(config),
    });
    this.#admin = kafka.admin({ retry: retryOptions(config) });
    this.#topics = new TopicCreator(this.#admin, config, logger);
  }

  /** Connects; rejects with PG_ERR_BUS_UNAVAILABLE when no broker answers (after the configured retries). */
  async start(): Promise<void> {
    if (this.#state !== 'new') return;
    try {
      await this.#producer.connect();
      await this.#admin.connect();
    } catch (err) {
      await Promise.allSettled([this.#producer.disconnect(), this.#admin.disconnect()]);
      const e = toBusError(err, 'connect the producer');
      this.#health = { ok: false, detail: e.message };
      throw e;
    }
    this.#state = 'running';
    this.#health = { ok: true };
  }

  /** Refuses new sends, waits for the sends in flight to settle, disconnects. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const wasRunning = this.#state === 'running';
      this.#state = 'stopped';
      clearInterval(this.#probe);
      this.#health = { ok: false, detail: 'stopped' };
      if (!wasRunning) return;
      await Promise.allSettled([...this.#inFlight]);
      await Promise.allSettled([this.#producer.disconnect(), this.#admin.disconnect()]);
    })();
    return this.#stopping;
  }

  health(): Health {
    return this.#health;
  }

  /**
   * Sends `messages` to `topic` and resolves once all are acknowledged by all in-sync replicas. Messages with the
   * same key go to the same partition, in the order given. Rejects with PG_ERR_BUS_MESSAGE_TOO_LARGE when a value
   * exceeds `maxMessageBytes` (nothing is sent) or the broker refuses a message as too large, and with
   * PG_ERR_BUS_UNAVAILABLE otherwise (stopped, unreachable, timed out, retries exhausted). A rejected send may have
   * written some of the messages: sending again may duplicate, never lose.
   */
  send(topic: string, messages: readonly BusMessage[]): Promise<void> {
    if (this.#state !== 'running') {
      return Promise.reject(new PeregrineError('PG_ERR_BUS_UNAVAILABLE',
        `the producer is ${this.#state === 'new' ? 'not started' : 'stopped'}`));
    }
    for (const m of messages) {
      if (m.value.length > this.maxMessageBytes) {
        return Promise.reject(new PeregrineError('PG_ERR_BUS_MESSAGE_TOO_LARGE',
          `a message of ${m.value.length} bytes exceeds the bus limit of ${this.maxMessageBytes} (kafka.maxMessageBytes)`));
      }
    }
    if (messages.length === 0) return Promise.resolve();
    const p = this.#send(topic, messages);
    this.#inFlight.add(p);
    const forget = () => this.#inFlight.delete(p);
    p.then(forget, forget);
    return p;
  }

  /**
   * A round trip to the cluster (a metadata request), for readiness probes: true when a broker answered within
   * connectionTimeoutMs + 1 s, false otherwise (or when not running). Never rejects. Updates health() either way.
   */
  async ping(): Promise<boolean> {
    if (this.#state !== 'running') return false;
    const limitMs = this.config.connectionTimeoutMs + 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Error>((resolve) => {
      timer = setTimeout(() => resolve(new Error(`no answer within ${limitMs} ms`)), limitMs);
    });
    const failure = await Promise.race([this.#admin.describeCluster().then(() => undefined, (err: unknown) => err), timeout]);
    clearTimeout(timer);
    if (failure === undefined) this.#healthy();
    else this.#unhealthy(toBusError(failure, 'metadata request').message);
    return failure === undefined;
  }

  async #send(topic: string, messages: readonly BusMessage[]): Promise<void> {
    try {
      await this.#topics.ensure([topic]);
      // One request after the other: in parallel, a retried chunk could land after the next one, reordering a key.
      for (const chunk of chunkBySize(messages, this.maxMessageBytes)) {
        await this.#producer.send({
          topic, acks: -1, timeout: this.config.requestTimeoutMs, messages: chunk.map(toKafkaMessage),
        });
      }
    } catch (err) {
      const e = toBusError(err, `send to '${topic}'`);
      if (e.code === 'PG_ERR_BUS_UNAVAILABLE') this.#unhealthy(e.message);
      throw e;
    }
    this.#healthy();
  }

  #healthy(): void {
    if (this.#state !== 'running') return;
    if (!this.#health.ok) this.logger.info({ component: this.name }, 'kafka is reachable again');
    this.#health = { ok: true };
    clearInterval(this.#probe);
    this.#probe = undefined;
  }

  #unhealthy(detail: string): void {
    if (this.#state !== 'running') return;
    if (this.#health.ok) this.logger.warn({ component: this.name, detail }, 'kafka is unreachable');
    this.#health = { ok: false, detail };
    if (!this.#probe) {
      this.#probe = setInterval(() => void this.ping(), PROBE_INTERVAL_MS);
      this.#probe.unref();
    }
  }
}

function toKafkaMessage(m: BusMessage): Message {
  return { key: m.key ?? null, value: m.value, ...(m.headers ? { headers: { ...m.headers } } : {}) };
}
