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
    readonly behaviour: (n: number, signal: AbortSignal) => Promise<void>,
    readonly maxInFlight = 1,
    readonly maxBatchAlerts = 1,
  ) {}

  async open(): Promise<void> {}
  async write(alerts: readonly AlertRecord[], signal: AbortSignal): Promise<void> {
    this.writes.push(alerts.length);
    this.inFlight++;
    this.maxSeen = Math.max(this.maxSeen, this.inFlight);
    try {
      await this.behaviour(this.writes.length - 1, signal);
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

async function setup(sink: Sink, policy: { retries?: number; timeoutMs?: number; backoffMs?: number } = {}) {
  const bus = new MemoryBus({ partitions: 1 });
  const producer = bus.producer();
  await producer.start();
  const registry = createRegistry();
  const delivery = new SinkDelivery(sink, {
    retries: policy.retries ?? 3,
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
