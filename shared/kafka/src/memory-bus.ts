/**
 * The in-memory bus of the one-process mode: Kafka's contract (partitions, offsets, consumer groups, commit after
 * handling, redelivery after a failed batch) without a broker. It is not durable across a crash of the process, and
 * says so (`kind: 'memory'`); what it guarantees is that nothing accepted is dropped while the process runs.
 *
 * Memory is bounded: messages are kept until every group that reads the topic has committed them, and a `send` that
 * would take the retained bytes of a topic over `maxTopicBytes` is refused with PG_ERR_BUS_FULL, so that the webhook
 * answers 503 and the apiserver retries later instead of the process growing without limit.
 *
 *   topic "audit": partition 0: [ m0 m1 m2 m3 m4 ... ]      retained from min(committed over groups)
 *                                    ^committed(evaluator) ^next
 */
import { type Health, PeregrineError } from '@peregrine/core';
import type {
  BatchHandler, Bus, BusConsumer, BusMessage, BusProducer, ConsumerOptions, ReceivedMessage,
} from './types.js';

export interface MemoryBusOptions {
  /** Partitions per topic (messages with the same key go to the same partition). Default 4. */
  readonly partitions?: number;
  /** Bytes a topic may retain (uncommitted by some group) before send() is refused. Default 256 MiB. */
  readonly maxTopicBytes?: number;
  /** Largest message value. Default 8 MiB. */
  readonly maxMessageBytes?: number;
  /** Wait before a failed batch is delivered again. Default 1000 ms. */
  readonly retryBackoffMs?: number;
}

interface Partition {
  /** Offset of messages[0]. */
  base: number;
  messages: ReceivedMessage[];
  bytes: number;
}

interface Topic {
  readonly partitions: Partition[];
  /** group -> committed offset (next to read) per partition */
  readonly groups: Map<string, number[]>;
}

export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  readonly #topics = new Map<string, Topic>();
  readonly #waiters = new Set<() => void>();
  readonly partitions: number;
  readonly maxTopicBytes: number;
  readonly maxMessageBytes: number;
  readonly retryBackoffMs: number;

  constructor(options: MemoryBusOptions = {}) {
    this.partitions = options.partitions ?? 4;
    this.maxTopicBytes = options.maxTopicBytes ?? 256 * 1024 * 1024;
    this.maxMessageBytes = options.maxMessageBytes ?? 8 * 1024 * 1024;
    this.retryBackoffMs = options.retryBackoffMs ?? 1000;
  }

  producer(): BusProducer {
    return new MemoryProducer(this);
  }

  consumer(options: ConsumerOptions): BusConsumer {
    return new MemoryConsumer(this, options);
  }

  /** Bytes a topic retains now (for tests and metrics). */
  retainedBytes(topic: string): number {
    return this.#topic(topic).partitions.reduce((a, p) => a + p.bytes, 0);
  }

  /** All messages ever kept in a topic that are still retained (tests read dead-letter topics this way). */
  peek(topic: string): ReceivedMessage[] {
    return this.#topic(topic).partitions.flatMap((p) => p.messages);
  }

  append(topic: string, messages: readonly BusMessage[]): void {
    const t = this.#topic(topic);
    let bytes = 0;
    for (const m of messages) {
      if (m.value.length > this.maxMessageBytes) {
        throw new PeregrineError('PG_ERR_BUS_MESSAGE_TOO_LARGE',
          `a message of ${m.value.length} bytes exceeds the bus limit of ${this.maxMessageBytes}`);
      }
      bytes += m.value.length;
    }
    if (this.retainedBytes(topic) + bytes > this.maxTopicBytes) {
      throw new PeregrineError('PG_ERR_BUS_FULL',
        `topic '${topic}' holds ${this.retainedBytes(topic)} bytes not yet processed (limit ${this.maxTopicBytes})`);
    }
    messages.forEach((m, i) => {
      const partitionIndex = m.key !== undefined ? hash(m.key) % this.partitions : (this.#roundRobin++ + i) % this.partitions;
      const p = t.partitions[partitionIndex]!;
      p.messages.push({
        topic, partition: partitionIndex, offset: String(p.base + p.messages.length),
        key: m.key, value: m.value, headers: { ...(m.headers ?? {}) },
      });
      p.bytes += m.value.length;
    });
    this.#wake();
  }

  #roundRobin = 0;

  /** Registers a group on a topic; a new group starts at the oldest retained message. */
  join(topic: string, groupId: string): void {
    const t = this.#topic(topic);
    if (!t.groups.has(groupId)) t.groups.set(groupId, t.partitions.map((p) => p.base));
  }

  /** Up to `max` messages of a partition from the group's committed offset (skipping `inFlight`). */
  fetch(topic: string, groupId: string, partition: number, max: number): ReceivedMessage[] {
    const t = this.#topic(topic);
    const p = t.partitions[partition]!;
    const from = t.groups.get(groupId)![partition]!;
    return p.messages.slice(from - p.base, from - p.base + max);
  }

  commit(topic: string, groupId: string, partition: number, nextOffset: number): void {
    const t = this.#topic(topic);
    const committed = t.groups.get(groupId)!;
    committed[partition] = Math.max(committed[partition]!, nextOffset);
    this.#trim(t, partition);
    this.#wake();
  }

  lag(topic: string, groupId: string): number {
    const t = this.#topic(topic);
    const committed = t.groups.get(groupId);
    if (!committed) return 0;
    return t.partitions.reduce((a, p, i) => a + (p.base + p.messages.length - committed[i]!), 0);
  }

  /** Resolves at the next append or commit (or after `ms`). */
  waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  #trim(t: Topic, partition: number): void {
    const p = t.partitions[partition]!;
    let min = Number.POSITIVE_INFINITY;
    for (const committed of t.groups.values()) min = Math.min(min, committed[partition]!);
    const drop = Math.min(min, p.base + p.messages.length) - p.base;
    if (drop <= 0) return;
    for (const m of p.messages.slice(0, drop)) p.bytes -= m.value.length;
    p.messages = p.messages.slice(drop);
    p.base += drop;
  }

  #topic(name: string): Topic {
    let t = this.#topics.get(name);
    if (!t) {
      t = {
        partitions: Array.from({ length: this.partitions }, () => ({ base: 0, messages: [], bytes: 0 })),
        groups: new Map(),
      };
      this.#topics.set(name, t);
    }
    return t;
  }
}

class MemoryProducer implements BusProducer {
  readonly name = 'memory-producer';
  #running = false;

  constructor(private readonly bus: MemoryBus) {}

  get maxMessageBytes(): number {
    return this.bus.maxMessageBytes;
  }

  async start(): Promise<void> {
    this.#running = true;
  }

  async stop(): Promise<void> {
    this.#running = false;
  }

  health(): Health {
    return this.#running ? { ok: true } : { ok: false, detail: 'stopped' };
  }

  async send(topic: string, messages: readonly BusMessage[]): Promise<void> {
    if (!this.#running) throw new PeregrineError('PG_ERR_BUS_UNAVAILABLE', 'the producer is stopped');
    this.bus.append(topic, messages);
  }
}

class MemoryConsumer implements BusConsumer {
  readonly name: string;
  #handler: BatchHandler | undefined;
  #running = false;
  #loops: Promise<void>[] = [];

  constructor(
    private readonly bus: MemoryBus,
    private readonly options: ConsumerOptions,
  ) {
    this.name = `memory-consumer(${options.groupId})`;
  }

  onBatch(handler: BatchHandler): void {
    this.#handler = handler;
  }

  async start(): Promise<void> {
    if (!this.#handler) throw new Error('onBatch() must be called before start()');
    this.#running = true;
    for (const topic of this.options.topics) {
      this.bus.join(topic, this.options.groupId);
      for (let p = 0; p < this.bus.partitions; p++) this.#loops.push(this.#loop(topic, p));
    }
  }

  /** Stops fetching; resolves when the batches in hand are handled (and committed, when they succeed). */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  health(): Health {
    return this.#running ? { ok: true } : { ok: false, detail: 'stopped' };
  }

  async lag(): Promise<number> {
    return this.options.topics.reduce((a, t) => a + this.bus.lag(t, this.options.groupId), 0);
  }

  async #loop(topic: string, partition: number): Promise<void> {
    const max = this.options.maxBatchMessages ?? 1000;
    while (this.#running) {
      const messages = this.bus.fetch(topic, this.options.groupId, partition, max);
      if (messages.length === 0) {
        await this.bus.waitForChange(100);
        continue;
      }
      try {
        await this.#handler!({ topic, partition, messages });
        this.bus.commit(topic, this.options.groupId, partition, Number(messages.at(-1)!.offset) + 1);
      } catch {
        // Not committed: the same messages come again. The handler has reported the failure itself.
        if (this.#running) await new Promise((resolve) => setTimeout(resolve, this.bus.retryBackoffMs));
      }
    }
  }
}

/** FNV-1a: a stable partition for a key. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
