import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRegistry, type Health, silentLogger } from '@peregrine/core';
import { MemoryBus } from '@peregrine/kafka';
import { alertToJson } from '@peregrine/rule-engine';
import { DeadLetterWriter } from './dead-letter.js';
import { SinkDelivery } from './delivery.js';
import { createOutputsMetrics } from './metrics.js';
import { type AlertRecord, parseAlertMessage } from './parse.js';
import { SinkError } from './sinks/errors.js';
import type { Sink } from './sinks/types.js';
import { makeAlert, metricValue } from './test-support.js';

/** A sink whose every write is decided by `behaviour`. */
class FakeSink implements Sink {
  readonly name = 'fake';
  readonly type = 'http' as const;
  inFlight = 0;
  maxSeen = 0;
  writes: number[] = [];

  constructor(
    readonly behaviour: (n: number, signal: AbortSignal, alerts: readonly AlertRecord[]) => Promise<void>,
    readonly maxInFlight = 1,
    readonly maxBatchAlerts = 1,
  ) {}

  async open(): Promise<void> {}
  async write(alerts: readonly AlertRecord[], signal: AbortSignal): Promise<void> {
    this.writes.push(alerts.length);
    this.inFlight++;
    this.maxSeen = Math.max(this.maxSeen, this.inFlight);
    try {
      await this.behaviour(this.writes.length - 1, signal, alerts);
    } finally {
      this.inFlight--;
    }
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  health(): Health {
    return { ok: true };
  }
}

function records(n: number): AlertRecord[] {
  return Array.from({ length: n }, (_v, i) => {
    const r = parseAlertMessage({ topic: 'alerts', partition: 0, offset: String(i), value: Buffer.from(alertToJson(makeAlert())), headers: {} });
    assert.ok(r.ok);
    return r.record;
  });
}

async function setup(sink: Sink, policy: { retries?: number | undefined; retryBudgetMs?: number; timeoutMs?: number; backoffMs?: number } = {}) {
  const bus = new MemoryBus({ partitions: 1 });
  const producer = bus.producer();
  await producer.start();
  const registry = createRegistry();
  const delivery = new SinkDelivery(sink, {
    retries: 'retries' in policy ? policy.retries : 3,
    retryBudgetMs: policy.retryBudgetMs ?? 60_000,
    timeoutMs: policy.timeoutMs ?? 1000,
    backoff: { initialMs: policy.backoffMs ?? 1, maxMs: policy.backoffMs ?? 1, factor: 1, jitter: 0 },
  }, { deadLetter: new DeadLetterWriter(producer, 'dlq'), logger: silentLogger(), metrics: createOutputsMetrics(registry) });
  return { bus, producer, registry, delivery };
}

test('chunks by maxBatchAlerts, never more than maxInFlight writes at once', async () => {
  const sink = new FakeSink(() => new Promise((resolve) => setTimeout(resolve, 5)), 3, 4);
  const { delivery, registry } = await setup(sink);
  await delivery.deliver(records(30));
  assert.deepEqual(sink.writes.sort((a, b) => b - a), [4, 4, 4, 4, 4, 4, 4, 2]);
  assert.equal(sink.maxSeen, 3);
  assert.equal(await metricValue(registry, 'peregrine_outputs_alerts_delivered_total', { sink: 'fake' }), 30);
});

test('a sink that ignores its signal still times out, and is retried', async () => {
  const sink = new FakeSink((n) => (n === 0 ? new Promise(() => {}) : Promise.resolve()));
  const { delivery, registry } = await setup(sink, { timeoutMs: 50 });
  await delivery.deliver(records(1));
  assert.equal(sink.writes.length, 2);
  assert.equal(await metricValue(registry, 'peregrine_outputs_delivery_attempts_failed_total', { sink: 'fake' }), 1);
});

test('a non-retryable error dead-letters at once; other errors after the retries', async () => {
  const sink = new FakeSink((n) => Promise.reject(n === 0
    ? new SinkError('PG_ERR_SINK_HTTP_STATUS', 'HTTP 422', { retryable: false })
    : new Error('EIO')));
  const { delivery, bus } = await setup(sink, { retries: 2 });
  await delivery.deliver(records(1)); // rejected for good: 1 write
  await delivery.deliver(records(1)); // plain errors: 3 writes
  assert.equal(sink.writes.length, 4);
  assert.deepEqual(bus.peek('dlq').map((m) => m.headers['peregrine-dead-letter-reason']),
    ['rejected: HTTP 422', 'retries exhausted after 3 attempts: EIO']);
});

test('abort() during the backoff: deliver rejects (nothing may be committed), nothing is dead-lettered', async () => {
  const sink = new FakeSink(() => Promise.reject(new Error('down')));
  const { delivery, bus } = await setup(sink, { retries: 100, backoffMs: 60_000 });
  const pending = delivery.deliver(records(2));
  await new Promise((resolve) => setTimeout(resolve, 20));
  delivery.abort();
  await assert.rejects(pending, { code: 'PG_ERR_SINK_UNAVAILABLE' });
  assert.equal(bus.peek('dlq').length, 0);
  await assert.rejects(delivery.deliver(records(1)), { code: 'PG_ERR_SINK_UNAVAILABLE' });
});

test('a failed dead-letter write rejects the delivery', async () => {
  const sink = new FakeSink(() => Promise.reject(new SinkError('PG_ERR_SINK_HTTP_STATUS', 'HTTP 400', { retryable: false })));
  const { delivery, producer } = await setup(sink);
  await producer.stop();
  await assert.rejects(delivery.deliver(records(1)), { code: 'PG_ERR_BUS_UNAVAILABLE' });
});

test('health: not ok while failing, ok again after a success', async () => {
  let fail = true;
  const sink = new FakeSink(() => (fail ? Promise.reject(new Error('down')) : Promise.resolve()));
  const { delivery } = await setup(sink, { retries: 0 });
  await delivery.deliver(records(1));
  assert.equal(delivery.health().ok, false);
  assert.match(delivery.health().detail ?? '', /down/);
  fail = false;
  await delivery.deliver(records(1));
  assert.equal(delivery.health().ok, true);
});

test('no retry cap: a sink that fails 50 times in a row still gets every alert, nothing dead-lettered', async () => {
  const sink = new FakeSink((n) => (n < 50 ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve()), 4);
  const { delivery, bus, registry } = await setup(sink, { retries: undefined });
  await delivery.deliver(records(10));
  assert.equal(sink.writes.length, 60, '50 failures, then each of the 10 alerts once');
  assert.equal(bus.peek('dlq').length, 0);
  assert.equal(await metricValue(registry, 'peregrine_outputs_alerts_delivered_total', { sink: 'fake' }), 10);
});

test('during an outage one chunk probes at a time; after the recovery all go again, maxInFlight at once', async () => {
  let down = true;
  const inFlightAtStart: number[] = [];
  const sink = new FakeSink(async (n) => {
    inFlightAtStart.push(sink.inFlight);
    if (down) {
      if (n === 20) down = false; // the 21st write finds the receiver back
      throw new Error('ECONNREFUSED');
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }, 4);
  const { delivery, bus } = await setup(sink, { retries: undefined });
  await delivery.deliver(records(12));
  // The first 4 writes started together before anything had failed; every write after them and before the
  // recovery (writes 5..21) had the sink to itself: one probe, not 12 chunks hammering a dead receiver.
  assert.deepEqual(inFlightAtStart.slice(4, 21), Array(17).fill(1), `in flight when each write started: ${inFlightAtStart.join(',')}`);
  assert.equal(sink.writes.length, 21 + 12);
  assert.equal(sink.maxSeen, 4, 'after the recovery the chunks go concurrently again');
  assert.equal(bus.peek('dlq').length, 0);
});

test('the retry budget counts from the start of the outage: past it, chunks are dead-lettered without an attempt', async () => {
  const sink = new FakeSink(() => Promise.reject(new Error('ECONNREFUSED')));
  // Backoff far longer than the budget: the probe waits out the budget, tries once more, and no probe is due after.
  const { delivery, bus, registry } = await setup(sink, { retries: undefined, retryBudgetMs: 50, backoffMs: 60_000 });
  await delivery.deliver(records(10));
  assert.equal(sink.writes.length, 2, 'the first attempt, and the probe at the end of the budget');
  const reasons = bus.peek('dlq').map((m) => m.headers['peregrine-dead-letter-reason']);
  assert.equal(reasons.length, 10);
  for (const r of reasons) assert.match(r!, /^retry budget exhausted: failing for \d+ s \(retryBudgetMs 50\): ECONNREFUSED$/);
  assert.equal(await metricValue(registry, 'peregrine_outputs_alerts_dead_lettered_total', { sink: 'fake', reason: 'retries_exhausted' }), 10);

  // A later batch does not wait for a new budget: the outage is the same one.
  await delivery.deliver(records(5));
  assert.equal(sink.writes.length, 2);
  assert.equal(bus.peek('dlq').length, 15);
  assert.match(delivery.health().detail ?? '', /retry budget spent/);
});

test('past the budget, a probe is still made every backoff interval, and its success ends the outage', async () => {
  let fail = true;
  const sink = new FakeSink(() => (fail ? Promise.reject(new Error('HTTP 503')) : Promise.resolve()));
  const { delivery, bus } = await setup(sink, { retries: undefined, retryBudgetMs: 0, backoffMs: 1 });
  await delivery.deliver(records(1));
  assert.equal(bus.peek('dlq').length, 1, 'a zero budget dead-letters after the first failure');
  fail = false;
  await new Promise((resolve) => setTimeout(resolve, 5)); // the next probe is due after the backoff (1 ms)
  await delivery.deliver(records(3));
  assert.equal(bus.peek('dlq').length, 1, 'the probe succeeded: the outage is over, everything delivered');
  assert.equal(delivery.health().ok, true);
});

test('stopRetrying(): a chunk waiting in an outage rejects at once, an attempt in flight finishes', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const sink = new FakeSink((n) => (n === 0 ? Promise.reject(new Error('down')) : gate), 2);
  const { delivery, bus, registry } = await setup(sink, { retries: undefined, backoffMs: 60_000 });
  // Chunk 1 fails and waits 60 s for its next attempt; chunk 2's write is in flight.
  const pending = delivery.deliver(records(2));
  await new Promise((resolve) => setTimeout(resolve, 20));
  delivery.stopRetrying();
  release();
  await assert.rejects(pending, { code: 'PG_ERR_SINK_UNAVAILABLE' });
  assert.equal(sink.writes.length, 2, 'no retry after stopRetrying()');
  assert.equal(await metricValue(registry, 'peregrine_outputs_alerts_delivered_total', { sink: 'fake' }), 1, 'the write in flight finished');
  assert.equal(bus.peek('dlq').length, 0, 'abandoned, not dead-lettered: the batch comes again');
});

test('a "poison" alert the receiver always fails: the probe passes on, the others are delivered, it is dead-lettered', async () => {
  const sink = new FakeSink((_n, _signal, alerts) => (alerts[0]!.message.offset === '0' ? Promise.reject(new Error('HTTP 500')) : Promise.resolve()));
  // Backoff such that, were the poison alert the only probe, no probe would be due when the budget ends.
  const { delivery, bus, registry } = await setup(sink, { retries: undefined, retryBudgetMs: 400, backoffMs: 150 });
  await delivery.deliver(records(10));
  assert.equal(await metricValue(registry, 'peregrine_outputs_alerts_delivered_total', { sink: 'fake' }), 9);
  const dead = bus.peek('dlq');
  assert.equal(dead.length, 1, 'only the poison alert is dead-lettered, after its own budget');
  assert.equal(dead[0]!.offset, '0');
  assert.match(dead[0]!.headers['peregrine-dead-letter-reason']!, /^retry budget exhausted: .*HTTP 500$/);
});
