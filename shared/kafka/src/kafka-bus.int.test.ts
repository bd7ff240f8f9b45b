/**
 * KafkaBus over TCP against a Kafka-protocol broker (librdkafka's mock cluster, `shared/kafka/mock-broker`): the Bus
 * contract, then what only Kafka has: partitions split across a group's members, broker outages, the broker's own
 * MESSAGE_TOO_LARGE, heartbeats during long handlers. No kafkajs mocks: every byte goes through the wire protocol.
 *
 * Timings are the mock's: a group's first join takes ~3 s and a rebalance ~sessionTimeout - 1 s, so the group
 * timeouts are short (TEST_KAFKA) and the tests of each block run concurrently, each on its own topics and groups.
 * Without librdkafka-dev and gcc the tests skip (`apt-get install librdkafka-dev gcc`), except under CI=true.
 */
import assert from 'node:assert/strict';
import { after, describe, test, type TestContext } from 'node:test';
import { isPeregrineError, loadConfig } from '@peregrine/core';
import { type MockBroker, requireMockBroker, startMockBroker } from '@peregrine/testkit';
import { busContractTests, onCleanup, Recorder, sleep, started, uniqueGroup, waitFor } from './bus-contract.js';
import { KafkaBus } from './kafka-bus.js';
import { KafkaConfig } from './kafka-config.js';
import type { ReceivedBatch } from './types.js';

/** Settings for the mock broker: what it lacks turned off, group timings short, retries few and fast. */
const TEST_KAFKA = {
  createTopics: false, // CreateTopics is not implemented by the mock
  idempotent: false, // nor InitProducerId (both: "Broker 0 not found in the cached metadata")
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 1000,
  maxWaitTimeMs: 100,
  retryBackoffMs: 200,
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 5000,
  retries: 2,
  retryInitialMs: 100,
  retryMaxMs: 500,
} as const;

const WAIT_MS = 30_000;

function kafkaConfig(brokers: readonly string[], extra: Record<string, unknown> = {}): KafkaConfig {
  return loadConfig(KafkaConfig, { ...TEST_KAFKA, brokers: [...brokers], ...extra });
}

/** One 3-broker cluster for the tests that do not break it (so kafkajs runs one fetcher per broker, as in production). */
let shared: Promise<MockBroker> | undefined;
after(async () => {
  if (shared) await (await shared).stop();
});

async function sharedBroker(t: TestContext): Promise<MockBroker | undefined> {
  if (!requireMockBroker(t)) return undefined;
  shared ??= startMockBroker({ brokers: 3 });
  return shared;
}

/** A broker of this test's own (for tests that take it down or inject errors), stopped when the test ends. */
async function ownBroker(t: TestContext, topics: { name: string; partitions: number }[]): Promise<MockBroker | undefined> {
  if (!requireMockBroker(t)) return undefined;
  const broker = await startMockBroker({ brokers: 1, topics });
  onCleanup(t, () => broker.stop()); // runs after the clients' stop(): see onCleanup
  return broker;
}

let topicCount = 0;
async function newTopic(broker: MockBroker, partitions: number, prefix = 'topic'): Promise<string> {
  const name = `${prefix}-${++topicCount}-${process.pid}`;
  await broker.createTopic(name, partitions);
  return name;
}

busContractTests('KafkaBus', async (t) => {
  const broker = await sharedBroker(t);
  if (!broker) return undefined;
  return {
    bus: new KafkaBus(kafkaConfig(broker.bootstrap)),
    newTopic: (partitions) => newTopic(broker, partitions),
    waitMs: WAIT_MS,
  };
});

describe('KafkaBus: Kafka only', { concurrency: true }, () => {
  test('two members of one group split the partitions and together get every message exactly once', async (t) => {
    const broker = await sharedBroker(t);
    if (!broker) return;
    const topic = await newTopic(broker, 4, 'split');
    const bus = new KafkaBus(kafkaConfig(broker.bootstrap));
    const groupId = uniqueGroup('split');
    const recs = [new Recorder(), new Recorder()];
    const members = recs.map((r) => {
      const c = bus.consumer({ groupId, topics: [topic] });
      c.onBatch(r.handler);
      return c;
    });
    await Promise.all(members.map((m) => started(t, m)));
    // Steady state: both members hold partitions, and together each partition exactly once.
    const assigned = () => members.map((m) => [...(m.assignment().get(topic) ?? [])]);
    await waitFor(() => {
      const [a, b] = assigned();
      return a!.length > 0 && b!.length > 0 && new Set([...a!, ...b!]).size === 4 && a!.length + b!.length === 4;
    }, WAIT_MS, () => `assignments ${JSON.stringify(assigned())}`);

    const producer = await started(t, bus.producer());
    const sent: string[] = [];
    for (let s = 0; s < 4; s++) {
      const batch = Array.from({ length: 20 }, (_, j) => `m-${s * 20 + j}`);
      await producer.send(topic, batch.map((v, j) => ({ key: `key-${j % 16}`, value: Buffer.from(v) })));
      sent.push(...batch);
    }
    const total = () => recs.reduce((a, r) => a + r.messages.length, 0);
    await waitFor(() => total() >= sent.length, WAIT_MS, () => `${total()}/${sent.length} delivered`);
    await sleep(500); // a duplicate, if any, would arrive now

    const got = recs.flatMap((r) => r.messages.map((m) => m.value.toString()));
    assert.equal(got.length, sent.length, 'no duplicates');
    assert.deepEqual([...got].sort(), [...sent].sort(), 'nothing lost');
    recs.forEach((r, i) => {
      const mine = new Set(assigned()[i]);
      for (const m of r.messages) assert.ok(mine.has(m.partition), `member ${i} only handles its partitions`);
    });
  });

  test('while the broker is down, send() rejects with PG_ERR_BUS_UNAVAILABLE in bounded time; after up it succeeds', async (t) => {
    const broker = await ownBroker(t, [{ name: 'outage', partitions: 2 }]);
    if (!broker) return;
    const producer = await started(t, new KafkaBus(kafkaConfig(broker.bootstrap)).producer());
    await producer.send('outage', [{ key: 'a', value: Buffer.from('before') }]);
    assert.equal(await producer.ping(), true);

    await broker.setBrokerDown(1);
    const started_ = Date.now();
    await assert.rejects(producer.send('outage', [{ key: 'a', value: Buffer.from('during') }]),
      (err) => isPeregrineError(err, 'PG_ERR_BUS_UNAVAILABLE'));
    const elapsed = Date.now() - started_;
    // retries 2, 100..500 ms apart, connection refused at once: well under 5 s (kafkajs defaults: ~10 s or more).
    assert.ok(elapsed < 5000, `rejected after ${elapsed} ms`);
    assert.equal(producer.health().ok, false, 'unhealthy after a failed send');
    assert.equal(await producer.ping(), false, 'ping fails while down');

    await broker.setBrokerUp(1);
    await producer.send('outage', [{ key: 'a', value: Buffer.from('after') }]);
    assert.equal(producer.health().ok, true, 'healthy again after a send succeeded');
    assert.equal(await producer.ping(), true);
  });

  test('a consumer restarts itself after a crash kafkajs does not recover from (INVALID_REQUEST to SyncGroup)', async (t) => {
    const broker = await ownBroker(t, [{ name: 'restart', partitions: 2 }]);
    if (!broker) return;
    const bus = new KafkaBus(kafkaConfig(broker.bootstrap));
    const producer = await started(t, bus.producer());
    await producer.send('restart', [{ key: 'a', value: Buffer.from('waiting') }]);
    // What the mock answers a follower whose SyncGroup comes after the leader's (a race of the mock; Kafka answers
    // it normally): kafkajs sees a non-retriable error, crashes, and would not restart on its own.
    await broker.failRequests(14 /* SyncGroup */, 42 /* INVALID_REQUEST */, 1);
    const rec = new Recorder();
    const consumer = bus.consumer({ groupId: uniqueGroup('restart'), topics: ['restart'] });
    consumer.onBatch(rec.handler);
    await started(t, consumer);
    await waitFor(() => rec.messages.length === 1, WAIT_MS, () => `delivery after the restart (${consumer.health().detail ?? 'healthy'})`);
    assert.equal(consumer.health().ok, true);
  });

  test('a consumer resumes after the broker was down', async (t) => {
    const broker = await ownBroker(t, [{ name: 'resume', partitions: 2 }]);
    if (!broker) return;
    const bus = new KafkaBus(kafkaConfig(broker.bootstrap));
    const producer = await started(t, bus.producer());
    const rec = new Recorder();
    const consumer = bus.consumer({ groupId: uniqueGroup('resume'), topics: ['resume'] });
    consumer.onBatch(rec.handler);
    await started(t, consumer);
    await producer.send('resume', [{ key: 'a', value: Buffer.from('before') }]);
    await waitFor(() => rec.messages.length === 1, WAIT_MS, () => 'delivery before the outage');

    await broker.setBrokerDown(1);
    await waitFor(() => !consumer.health().ok, WAIT_MS, () => 'the consumer reports the outage');
    await sleep(1000); // kafkajs gives up within its retries (2 here): the consumer has crashed by now
    await broker.setBrokerUp(1);

    await producer.send('resume', [{ key: 'a', value: Buffer.from('after') }]);
    await waitFor(() => rec.messages.some((m) => m.value.toString() === 'after'), WAIT_MS, () => 'delivery after the outage');
    await waitFor(() => consumer.health().ok, WAIT_MS, () => `healthy again (${consumer.health().detail ?? ''})`);
    assert.deepEqual([...new Set(rec.messages.map((m) => m.value.toString()))], ['before', 'after'], 'nothing lost');
  });

  test("the broker's MESSAGE_TOO_LARGE becomes PG_ERR_BUS_MESSAGE_TOO_LARGE; the producer stays healthy", async (t) => {
    // The mock enforces no size limit (it accepts a 3 MB value), so the broker's answer is injected at the protocol
    // level instead: the next Produce request (API key 0) is answered with Kafka error 10, MESSAGE_TOO_LARGE.
    const broker = await ownBroker(t, [{ name: 'big', partitions: 1 }]);
    if (!broker) return;
    const producer = await started(t, new KafkaBus(kafkaConfig(broker.bootstrap)).producer());
    await producer.send('big', [{ value: Buffer.from('warm-up') }]);
    await broker.failRequests(0, 10, 1);
    await assert.rejects(producer.send('big', [{ value: Buffer.from('refused') }]),
      (err) => isPeregrineError(err, 'PG_ERR_BUS_MESSAGE_TOO_LARGE'));
    assert.equal(producer.health().ok, true, 'a refused message says nothing about reachability');
    await producer.send('big', [{ value: Buffer.from('next') }]);
  });

  test('a send over maxMessageBytes in total goes as several produce requests, in order', async (t) => {
    const broker = await sharedBroker(t);
    if (!broker) return;
    const topic = await newTopic(broker, 1, 'chunks');
    const limit = 64 * 1024;
    const bus = new KafkaBus(kafkaConfig(broker.bootstrap, { maxMessageBytes: limit }));
    const producer = await started(t, bus.producer());
    const values = Array.from({ length: 40 }, (_, i) => Buffer.alloc(10_000, i));
    await producer.send(topic, values.map((value) => ({ key: 'same', value })));

    const rec = new Recorder();
    const consumer = bus.consumer({ groupId: uniqueGroup('chunks'), topics: [topic] });
    consumer.onBatch(rec.handler);
    await started(t, consumer);
    await waitFor(() => rec.messages.length >= 40, WAIT_MS, () => `${rec.messages.length}/40 delivered`);
    assert.deepEqual(rec.messages.map((m) => m.value), values, 'all, in order');
    // The mock answers a fetch with one producer batch at most, so each handler call shows one request's messages.
    for (const b of rec.batches) {
      const bytes = b.messages.reduce((a, m) => a + m.value.length, 0);
      assert.ok(bytes <= limit, `a produce request of ${bytes} bytes, over the ${limit} limit`);
    }
    assert.ok(rec.batches.length >= Math.ceil((40 * 10_000) / limit), `${rec.batches.length} requests`);
  });

  test('heartbeats during a handler longer than the session timeout keep the partition (one delivery, committed)', async (t) => {
    // One broker: kafkajs runs one fetcher per broker, and an idle fetcher heartbeats for the whole group; with one
    // broker the only fetcher is the one waiting for this handler, so only our heartbeats keep the session alive.
    const topic = 'slow';
    const broker = await ownBroker(t, [{ name: topic, partitions: 1 }]);
    if (!broker) return;
    const bus = new KafkaBus(kafkaConfig(broker.bootstrap));
    const producer = await started(t, bus.producer());
    await producer.send(topic, [{ value: Buffer.from('slow') }]);
    const calls: ReceivedBatch[] = [];
    const consumer = bus.consumer({ groupId: uniqueGroup('slow'), topics: [topic] });
    consumer.onBatch(async (b) => {
      calls.push(b);
      await sleep(TEST_KAFKA.sessionTimeoutMs + 2000);
    });
    await started(t, consumer);
    await waitFor(async () => (await consumer.lag()) === 0, WAIT_MS, () => `committed (${calls.length} calls)`);
    assert.equal(calls.length, 1, 'not redelivered: the member kept its session');
  });

  test('start() rejects with PG_ERR_BUS_UNAVAILABLE when no broker answers', async (t) => {
    // No broker needed: port 1 on loopback refuses connections at once.
    const bus = new KafkaBus(kafkaConfig(['127.0.0.1:1']));
    const producer = bus.producer();
    onCleanup(t, () => producer.stop());
    await assert.rejects(producer.start(), (err) => isPeregrineError(err, 'PG_ERR_BUS_UNAVAILABLE'));
    assert.equal(producer.health().ok, false);
    const consumer = bus.consumer({ groupId: uniqueGroup('nobroker'), topics: ['x'] });
    consumer.onBatch(async () => {});
    onCleanup(t, () => consumer.stop());
    await assert.rejects(consumer.start(), (err) => isPeregrineError(err, 'PG_ERR_BUS_UNAVAILABLE'));
  });
});
