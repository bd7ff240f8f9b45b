/**
 * The Bus contract as tests (types.ts states it in prose): every Bus implementation runs these, so that the services
 * cannot tell the in-memory bus from Kafka. Each test uses its own topics and consumer groups, so the tests of one
 * suite run concurrently (Kafka's group joins take seconds each on the mock broker; sequential runs would add up).
 *
 * What is asserted is what the services rely on: order per partition, keys and headers kept, redelivery of a
 * failed batch, stop() finishing and committing the batch in hand, resuming from the committed offset with nothing
 * lost or duplicated, one copy per group, and lag() reaching 0. Errors are checked by code, never by message.
 *
 * Test-only: it imports node:test, so it is not exported from the package index (import `@peregrine/kafka/bus-contract`).
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { type Component, isPeregrineError } from '@peregrine/core';
import type { Bus, BusConsumer, BusMessage, BusProducer, ConsumerOptions, ReceivedBatch, ReceivedMessage } from './types.js';

export interface BusFixture {
  readonly bus: Bus;
  /**
   * A topic no other test uses, with `partitions` partitions where the bus lets topics differ (Kafka); a bus with
   * one partition count for every topic (memory) may ignore it, so tests only rely on "at least one".
   */
  newTopic(partitions: number): Promise<string>;
  /** How long a test waits for deliveries before failing (the mock broker's first group join alone takes ~3 s). */
  readonly waitMs: number;
}

/** Makes the bus of one test; undefined when the test was skipped (e.g. no broker here). */
export type MakeBus = (t: TestContext) => Promise<BusFixture | undefined>;

/**
 * Registers the contract tests for one Bus implementation under `describe(name)`. `makeBus` is called once per
 * test. The bus's redelivery backoff should be short (~200 ms) or the redelivery test waits for it.
 */
export function busContractTests(name: string, makeBus: MakeBus): void {
  describe(`${name}: Bus contract`, { concurrency: true }, () => {
    test('delivers each message once, in order per partition, with keys and headers intact', async (t) => {
      const f = await makeBus(t);
      if (!f) return;
      const topic = await f.newTopic(3);
      const producer = await started(t, f.bus.producer());
      const sent: BusMessage[] = [];
      for (let s = 0; s < 3; s++) {
        const batch = Array.from({ length: 20 }, (_, j): BusMessage => {
          const i = s * 20 + j;
          // Every tenth message has no key: it must still arrive, keyless.
          return {
            key: i % 10 === 9 ? undefined : `key-${i % 6}`,
            value: Buffer.from(`value-${i}`),
            headers: { 'content-type': 'application/json', 'peregrine-n': String(i), 'ünïcode': 'välue ✓' },
          };
        });
        await producer.send(topic, batch);
        sent.push(...batch);
      }
      const rec = new Recorder();
      await started(t, consumerOf(f.bus, { groupId: uniqueGroup(name), topics: [topic], maxBatchMessages: 7 }, rec.handler));
      await waitFor(() => rec.messages.length >= sent.length, f.waitMs, () => `${rec.messages.length}/${sent.length} delivered`);

      assert.equal(rec.messages.length, sent.length, 'no duplicates');
      const byValue = new Map(rec.messages.map((m) => [m.value.toString(), m]));
      assert.equal(byValue.size, sent.length);
      for (const m of sent) {
        const got = byValue.get(m.value.toString());
        assert.ok(got, `${m.value.toString()} delivered`);
        assert.equal(got.topic, topic);
        assert.equal(got.key, m.key);
        assert.deepEqual(got.headers, m.headers);
      }
      for (const b of rec.batches) {
        assert.ok(b.messages.length >= 1 && b.messages.length <= 7, `batch of ${b.messages.length} within maxBatchMessages`);
        for (const m of b.messages) assert.deepEqual([m.topic, m.partition], [b.topic, b.partition], 'one partition per batch');
      }
      // Offsets grow within each partition, across batches: order per partition.
      const lastOffset = new Map<number, bigint>();
      for (const m of rec.messages) {
        const prev = lastOffset.get(m.partition);
        assert.ok(prev === undefined || BigInt(m.offset) > prev, `offsets grow in partition ${m.partition}`);
        lastOffset.set(m.partition, BigInt(m.offset));
      }
      // Same key, same partition, in the order sent.
      for (let k = 0; k < 6; k++) {
        const key = `key-${k}`;
        const got = rec.messages.filter((m) => m.key === key);
        assert.equal(new Set(got.map((m) => m.partition)).size, 1, `${key} stays on one partition`);
        assert.deepEqual(got.map((m) => m.value.toString()), sent.filter((m) => m.key === key).map((m) => m.value.toString()));
      }
    });

    test('a rejected batch is delivered again (the same messages), then committed', async (t) => {
      const f = await makeBus(t);
      if (!f) return;
      const topic = await f.newTopic(1);
      const producer = await started(t, f.bus.producer());
      // One key and one send: one partition, one batch.
      await producer.send(topic, values(5).map((v) => ({ key: 'same', value: v })));
      const calls: ReceivedBatch[] = [];
      const consumer = await started(t, consumerOf(f.bus, { groupId: uniqueGroup(name), topics: [topic] }, async (b) => {
        calls.push(b);
        if (calls.length === 1) throw new Error('the handler fails once');
      }));
      await waitFor(() => calls.length >= 2, f.waitMs, () => `${calls.length} handler calls`);
      const [first, again] = [calls[0]!, calls[1]!];
      assert.equal(first.messages.length, 5);
      assert.deepEqual(again.messages.slice(0, 5).map(ident), first.messages.map(ident), 'the same messages again');
      await waitFor(async () => (await consumer.lag()) === 0, f.waitMs, () => 'lag 0 after the retry succeeded');
      assert.equal(calls.length, 2, 'not delivered a third time once committed');
    });

    test('stop() during a batch lets the handler finish, and commits the batch', async (t) => {
      const f = await makeBus(t);
      if (!f) return;
      const topic = await f.newTopic(1);
      const groupId = uniqueGroup(name);
      const producer = await started(t, f.bus.producer());
      await producer.send(topic, values(3, 'before').map((v) => ({ key: 'k', value: v })));

      const entered = deferred();
      const release = deferred();
      let finished = 0;
      const first = await started(t, consumerOf(f.bus, { groupId, topics: [topic] }, async (b) => {
        entered.resolve();
        await release.promise;
        finished += b.messages.length;
      }));
      await withTimeout(entered.promise, f.waitMs, 'the first batch reached the handler');
      let stopped = false;
      const stopping = first.stop().then(() => { stopped = true; });
      await sleep(300);
      assert.equal(stopped, false, 'stop() waits for the batch in hand');
      release.resolve();
      await withTimeout(stopping, f.waitMs, 'stop() resolves once the batch is handled');
      assert.equal(finished, 3);

      // Committed: the group's next member starts after those three.
      await producer.send(topic, [{ key: 'k', value: Buffer.from('after') }]);
      const rec = new Recorder();
      await started(t, consumerOf(f.bus, { groupId, topics: [topic] }, rec.handler));
      await waitFor(() => rec.messages.length >= 1, f.waitMs, () => 'the message sent after stop() arrives');
      assert.deepEqual(rec.messages.map((m) => m.value.toString()), ['after']);
    });

    test('the next member of a group resumes from the committed offset: nothing lost, nothing duplicated', async (t) => {
      const f = await makeBus(t);
      if (!f) return;
      const topic = await f.newTopic(3);
      const groupId = uniqueGroup(name);
      const producer = await started(t, f.bus.producer());
      const a = values(30, 'a');
      await producer.send(topic, a.map((v, i) => ({ key: `k${i % 5}`, value: v })));
      const rec1 = new Recorder();
      const first = await started(t, consumerOf(f.bus, { groupId, topics: [topic] }, rec1.handler));
      await waitFor(() => rec1.messages.length >= 30, f.waitMs, () => `${rec1.messages.length}/30 delivered to the first member`);
      await first.stop();

      const b = values(30, 'b');
      await producer.send(topic, b.map((v, i) => ({ key: `k${i % 5}`, value: v })));
      const rec2 = new Recorder();
      await started(t, consumerOf(f.bus, { groupId, topics: [topic] }, rec2.handler));
      // In each partition the b messages follow the a messages, so once every b is here, any replayed a would be too.
      await waitFor(() => rec2.messages.filter((m) => m.value.toString().startsWith('b')).length >= 30, f.waitMs,
        () => `${rec2.messages.length}/30 delivered to the second member`);
      assert.deepEqual(sortedValues(rec1.messages), sortedStrings(a));
      assert.deepEqual(sortedValues(rec2.messages), sortedStrings(b));
    });

    test('every group gets every message', async (t) => {
      const f = await makeBus(t);
      if (!f) return;
      const topic = await f.newTopic(2);
      const producer = await started(t, f.bus.producer());
      const sent = values(20);
      await producer.send(topic, sent.map((v, i) => ({ key: `k${i % 4}`, value: v })));
      const recs = [new Recorder(), new Recorder()];
      await Promise.all(recs.map((r) => started(t, consumerOf(f.bus, { groupId: uniqueGroup(name), topics: [topic] }, r.handler))));
      for (const r of recs) {
        await waitFor(() => r.messages.length >= 20, f.waitMs, () => `${r.messages.length}/20 delivered`);
        assert.deepEqual(sortedValues(r.messages), sortedStrings(sent));
      }
    });

    test('lag() counts what the group has not committed, and reaches 0 after consumption', async (t) => {
      const f = await makeBus(t);
      if (!f) return;
      const topic = await f.newTopic(2);
      const producer = await started(t, f.bus.producer());
      await producer.send(topic, values(10).map((v, i) => ({ key: `k${i}`, value: v })));
      const release = deferred();
      const consumer = await started(t, consumerOf(f.bus, { groupId: uniqueGroup(name), topics: [topic] }, () => release.promise));
      assert.equal(await consumer.lag(), 10, 'nothing committed yet');
      release.resolve();
      await waitFor(async () => (await consumer.lag()) === 0, f.waitMs, () => 'lag reaches 0');
    });

    test('send() rejects a value over maxMessageBytes (PG_ERR_BUS_MESSAGE_TOO_LARGE) and a stopped producer', async (t) => {
      const f = await makeBus(t);
      if (!f) return;
      const topic = await f.newTopic(1);
      const producer = await started(t, f.bus.producer());
      await assert.rejects(producer.send(topic, [{ value: Buffer.alloc(producer.maxMessageBytes + 1) }]),
        (err) => isPeregrineError(err, 'PG_ERR_BUS_MESSAGE_TOO_LARGE'));
      await producer.send(topic, [{ value: Buffer.alloc(16) }]);
      await producer.stop();
      await assert.rejects(producer.send(topic, [{ value: Buffer.alloc(16) }]),
        (err) => isPeregrineError(err, 'PG_ERR_BUS_UNAVAILABLE'));
      assert.equal(producer.health().ok, false, 'a stopped producer is not healthy');
    });
  });
}

// ---- helpers (also used by the implementation-specific tests) ----

const cleanups = new WeakMap<TestContext, (() => Promise<void>)[]>();

/**
 * Runs `fn` when the test ends, in reverse order of registration (node's t.after runs hooks first-in-first-out):
 * clients registered after their broker are stopped before it, as a broker that vanishes under a running kafkajs
 * consumer makes it retry against a dead port.
 */
export function onCleanup(t: TestContext, fn: () => Promise<void>): void {
  let stack = cleanups.get(t);
  if (!stack) {
    const fns: (() => Promise<void>)[] = [];
    stack = fns;
    cleanups.set(t, fns);
    t.after(async () => {
      for (const f of fns.reverse()) await f();
    });
  }
  stack.push(fn);
}

/** Starts `c` and stops it when the test ends (after the test's own stop(), which is idempotent). */
export async function started<C extends Component>(t: TestContext, c: C): Promise<C> {
  onCleanup(t, () => c.stop());
  await c.start();
  return c;
}

/** A consumer with its handler set. */
export function consumerOf(bus: Bus, options: ConsumerOptions, handler: (b: ReceivedBatch) => Promise<void>): BusConsumer {
  const c = bus.consumer(options);
  c.onBatch(handler);
  return c;
}

/** Records every batch a handler got (the handler always succeeds). */
export class Recorder {
  readonly batches: ReceivedBatch[] = [];
  readonly handler = async (b: ReceivedBatch): Promise<void> => {
    this.batches.push(b);
  };

  get messages(): ReceivedMessage[] {
    return this.batches.flatMap((b) => b.messages);
  }
}

let groups = 0;
/** A consumer group id no other test (or earlier run against the same broker) uses. */
export function uniqueGroup(prefix: string): string {
  return `${prefix.replace(/[^A-Za-z0-9._-]/g, '-')}-g${++groups}-${process.pid}-${Date.now().toString(36)}`;
}

/** Resolves once `cond` holds (polled every 20 ms); rejects after `ms` with `what()`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for: ${what()}`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function values(n: number, prefix = 'm'): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.from(`${prefix}-${i}`));
}

function ident(m: ReceivedMessage): [number, string, string] {
  return [m.partition, m.offset, m.value.toString()];
}

function sortedValues(ms: readonly ReceivedMessage[]): string[] {
  return ms.map((m) => m.value.toString()).sort();
}

function sortedStrings(bs: readonly Buffer[]): string[] {
  return bs.map((b) => b.toString()).sort();
}
