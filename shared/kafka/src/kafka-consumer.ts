/**
 * The Kafka consumer behind the Bus contract: a consumer group read with kafkajs `eachBatch`, offsets committed by
 * hand. The invariant it owns is at-least-once: an offset is committed only after the handler resolved for every
 * message below it, so a crash, a failed handler or a rebalance can replay messages, never skip them.
 *
 *   fetch (one partition) -> [chunk of <= maxBatchMessages] -> handler
 *        resolves: resolveOffset(last) + commit(last + 1)                -> next chunk
 *        rejects:  nothing resolved; wait retryBackoffMs (heartbeating)  -> return; kafkajs fetches again from the
 *                  first unresolved offset, so the same messages come again
 *
 * Why this redelivers: kafkajs fetches a partition from its *resolved* offset (`offsetManager.nextOffset`), and a
 * fetcher fetches again only after the batches it handed out were handled; an unresolved chunk is therefore
 * fetched again. After a rebalance, a member restarts from the *committed* offset, so a partition that moved is
 * re-read from the last commit by its new owner: duplicates are possible, losses are not.
 *
 * Commits go through the eachBatch payload's `commitOffsetsIfNecessary(offsets)`, not `consumer.commitOffsets()`:
 * the latter silently skips the commit once stop() has begun (kafkajs runner.commitOffsets checks `running`), and
 * stop() must let the batch in hand finish *and commit*.
 *
 * A consumer that runs keeps trying: kafkajs restarts itself only after crashes whose original cause is retriable
 * (a broker outage is), and leaves the consumer dead, silently, after any other (a non-retriable protocol error in
 * the join or the fetch loop; the mock broker answers a late SyncGroup with INVALID_REQUEST, for one). After such a
 * crash this class restarts the kafkajs consumer itself, with exponential backoff (retryInitialMs..retryMaxMs),
 * until it joins again or stop() is called; meanwhile health() says why it is down.
 */
import { type Health, type Logger } from '@peregrine/core';
import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { type KafkaConfig, retryOptions } from './kafka-config.js';
import { toBusError } from './kafka-errors.js';
import { TopicCreator } from './kafka-topics.js';
import type { BatchHandler, BusConsumer, ConsumerOptions, ReceivedBatch, ReceivedMessage } from './types.js';

/** A BusConsumer on a kafkajs consumer group; create it with `KafkaBus.consumer()`. */
export class KafkaConsumer implements BusConsumer {
  readonly name: string;
  readonly #kafka: Kafka;
  readonly #admin: Admin;
  readonly #topics: TopicCreator;
  #consumer: Consumer | undefined;
  #handler: BatchHandler | undefined;
  #state: 'new' | 'running' | 'stopped' = 'new';
  #health: Health = { ok: false, detail: 'not started' };
  #assignment: ReadonlyMap<string, readonly number[]> = new Map();
  #stopping: Promise<void> | undefined;
  /** Crashes since the last successful join: the exponent of the restart backoff. */
  #crashes = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #restarting: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly config: KafkaConfig,
    private readonly options: ConsumerOptions,
    private readonly logger: Logger,
  ) {
    this.name = `kafka-consumer(${options.groupId})`;
    this.#kafka = kafka;
    this.#admin = kafka.admin({ retry: retryOptions(config) });
    this.#topics = new TopicCreator(this.#admin, config, logger);
  }

  onBatch(handler: BatchHandler): void {
    this.#handler = handler;
  }

  /**
   * Creates the topics (if configured), connects, and resolves after the first join of the group (~3 s on the mock
   * broker); if that join fails, the consumer keeps trying in the background and health() says why. A group
   * without committed offsets starts at the oldest retained message. Rejects with PG_ERR_BUS_UNAVAILABLE when the
   * cluster cannot be reached at all.
   */
  async start(): Promise<void> {
    if (!this.#handler) throw new Error('onBatch() must be called before start()');
    if (this.#state !== 'new') return;
    this.#state = 'running';
    const consumer = this.#kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: this.config.sessionTimeoutMs,
      heartbeatInterval: this.config.heartbeatIntervalMs,
      maxWaitTimeInMs: this.config.maxWaitTimeMs,
      retry: retryOptions(this.config),
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.#assignment = new Map(Object.entries(payload.memberAssignment));
      this.#health = { ok: true };
      this.#crashes = 0;
      this.logger.debug({ component: this.name, assignment: payload.memberAssignment }, 'joined the group');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.#state === 'stopped') {
        // A crash that raced with stop(): kafkajs schedules its restart right after this event, regardless of our
        // disconnect, and the restarted consumer would retry forever. disconnect() clears that timer; deferred so
        // that it runs after kafkajs has set it.
        setImmediate(() => void consumer.disconnect().catch(() => {}));
        return;
      }
      this.#assignment = new Map();
      this.#health = { ok: false, detail: `${payload.error.name}: ${payload.error.message}` };
      this.logger.error({ component: this.name, err: payload.error, restart: payload.restart }, 'kafka consumer crashed');
      if (!payload.restart) this.#scheduleRestart();
    });
    try {
      await this.#admin.connect();
      await this.#topics.ensure(this.options.topics);
      await consumer.connect();
      await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
      await this.#run();
    } catch (err) {
      await Promise.allSettled([consumer.disconnect(), this.#admin.disconnect()]);
      this.#state = 'stopped';
      const e = toBusError(err, `start consumer group '${this.options.groupId}'`);
      this.#health = { ok: false, detail: e.message };
      throw e;
    }
  }

  /**
   * Runs the kafkajs consumer: joins the group, then fetches in the background. Also after a crash, when kafkajs
   * has disconnected it: connect() again is needed then, and a no-op at start; the subscription is kept.
   */
  async #run(): Promise<void> {
    const consumer = this.#consumer!;
    await consumer.connect();
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.config.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  #scheduleRestart(): void {
    if (this.#state !== 'running' || this.#restartTimer) return;
    const delayMs = Math.min(this.config.retryMaxMs, this.config.retryInitialMs * 2 ** Math.min(this.#crashes++, 20));
    this.logger.warn({ component: this.name, delayMs }, 'restarting the kafka consumer');
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#state !== 'running') return;
      this.#restarting = this.#run()
        .catch((err: unknown) => {
          this.#health = { ok: false, detail: toBusError(err, 'restart the consumer').message };
          this.#scheduleRestart();
        })
        .finally(() => {
          this.#restarting = undefined;
        });
    }, delayMs);
  }

  /**
   * Stops fetching, lets the batches in hand finish (and commit when their handler resolves), leaves the group and
   * disconnects. A batch waiting to be retried is not retried. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const wasRunning = this.#state === 'running';
      this.#state = 'stopped';
      this.#health = { ok: false, detail: 'stopped' };
      if (!wasRunning) return;
      clearTimeout(this.#restartTimer);
      await this.#restarting;
      await Promise.allSettled([this.#consumer?.disconnect(), this.#admin.disconnect()]);
    })();
    return this.#stopping;
  }

  health(): Health {
    return this.#health;
  }

  /** Partitions assigned to this member at the last rebalance, by topic (for tests and logs). */
  assignment(): ReadonlyMap<string, readonly number[]> {
    return this.#assignment;
  }

  /**
   * Messages in the group's topics not yet committed by the group (over all partitions, not just this member's):
   * high watermark minus committed offset, or minus the oldest retained offset where the group has not committed.
   * Undefined when not running or the cluster does not answer.
   */
  async lag(): Promise<number | undefined> {
    if (this.#state !== 'running') return undefined;
    try {
      const committed = await this.#admin.fetchOffsets({ groupId: this.options.groupId, topics: [...this.options.topics] });
      let total = 0;
      for (const topic of this.options.topics) {
        const byPartition = new Map(committed.find((c) => c.topic === topic)?.partitions.map((p) => [p.partition, p.offset]));
        for (const { partition, high, low } of await this.#admin.fetchTopicOffsets(topic)) {
          const c = Number(byPartition.get(partition) ?? -1);
          total += Math.max(0, Number(high) - (c >= 0 ? c : Number(low)));
        }
      }
      return total;
    } catch (err) {
      this.logger.debug({ component: this.name, err }, 'cannot compute the lag');
      return undefined;
    }
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    const max = this.options.maxBatchMessages ?? 1000;
    for (let i = 0; i < batch.messages.length; i += max) {
      // Stopping: leave the rest for the next owner. Stale: a seek or a new assignment changed where to read.
      if (!isRunning() || isStale()) return;
      const messages = batch.messages.slice(i, i + max).map((m) => toReceived(batch.topic, batch.partition, m));
      const handled = await this.#handle({ topic: batch.topic, partition: batch.partition, messages }, payload);
      if (!handled.ok) return;
      const last = messages.at(-1)!.offset;
      payload.resolveOffset(last);
      try {
        await payload.commitOffsetsIfNecessary({
          topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }],
        });
      } catch (err) {
        // Typically a rebalance: the partition's new owner re-reads from the previous commit (duplicates, no loss).
        // Rethrown so that kafkajs rejoins the group.
        this.logger.warn({ component: this.name, topic: batch.topic, partition: batch.partition, err },
          'offset commit failed; the batch may be delivered again');
        throw err;
      }
      // A heartbeat saw a rebalance while the handler ran: rejoin now rather than handle more of a partition that
      // may already belong to another member.
      if (handled.rebalance) throw handled.rebalance;
    }
  }

  /**
   * Runs the handler, heartbeating meanwhile so that a long handler does not cost the assignment. On rejection,
   * waits retryBackoffMs (still heartbeating; cut short by stop()) before reporting failure.
   */
  async #handle(batch: ReceivedBatch, payload: EachBatchPayload): Promise<{ ok: boolean; rebalance?: unknown }> {
    let rebalance: unknown;
    const beat = () => {
      payload.heartbeat().catch((err: unknown) => {
        rebalance ??= err;
      });
    };
    const timer = setInterval(beat, this.config.heartbeatIntervalMs);
    try {
      await this.#handler!(batch);
      return { ok: true, rebalance };
    } catch (err) {
      // The handler has reported its failure itself (contract); this is the bus's view of it.
      this.logger.debug({ component: this.name, topic: batch.topic, partition: batch.partition, err },
        'batch handler failed; the batch will be delivered again');
      const until = Date.now() + this.config.retryBackoffMs;
      while (payload.isRunning() && rebalance === undefined && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - Date.now())));
      }
      return { ok: false };
    } finally {
      clearInterval(timer);
    }
  }
}

function toReceived(topic: string, partition: number, m: KafkaMessage): ReceivedMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key === null || m.key === undefined ? undefined : m.key.toString('utf8'),
    value: m.value ?? Buffer.alloc(0),
    headers: toHeaders(m.headers),
  };
}

function toHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    // A header repeated on the wire arrives as an array; our producer never repeats one, the last value wins.
    const v = Array.isArray(value) ? value.at(-1) : value;
    if (v !== undefined) out[name] = typeof v === 'string' ? v : v.toString('utf8');
  }
  return out;
}
