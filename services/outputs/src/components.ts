/**
 * The two lifecycle components of the outputs service. The invariant is the stop order (the caller stops
 * components in reverse): the consumer stops first and finishes, then commits, the batch in hand; only then are the
 * sinks flushed and closed, so that nothing is written to a closed sink and no offset is committed for an alert that
 * a sink has not taken.
 *
 *   start:  SinksComponent (open every sink)  ->  ConsumerComponent (register the handler, start consuming)
 *   stop:   ConsumerComponent (stop retrying, finish the batch)  ->  SinksComponent (abort, flush all, close all)
 */
import type { Component, Health, Logger } from '@peregrine/core';
import type { BatchHandler, BusConsumer } from '@peregrine/kafka';
import type { SinkDelivery } from './delivery.js';

/** Every sink of the service, opened and closed together. */
export class SinksComponent implements Component {
  readonly name = 'outputs-sinks';
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly deliveries: readonly SinkDelivery[],
    private readonly logger: Logger,
  ) {}

  /** Opens every sink; if one fails, closes those that opened and rejects. */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.deliveries.map((d) => d.sink.open()));
    const failed = results.findIndex((r) => r.status === 'rejected');
    if (failed === -1) return;
    await Promise.allSettled(this.deliveries.filter((_d, i) => results[i]!.status === 'fulfilled').map((d) => d.sink.close()));
    throw (results[failed] as PromiseRejectedResult).reason;
  }

  /**
   * Abandons pending retries (normally there are none: the consumer has stopped; after a consumer stop timeout they
   * make the batch fail, so it is not committed and comes again), then flushes every sink, then closes every sink.
   * Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    for (const d of this.deliveries) d.abort();
    const flushed = await Promise.allSettled(this.deliveries.map((d) => d.sink.flush()));
    flushed.forEach((r, i) => {
      if (r.status === 'rejected') this.logger.error({ sink: this.deliveries[i]!.sink.name, err: r.reason as Error }, 'sink flush failed');
    });
    const closed = await Promise.allSettled(this.deliveries.map((d) => d.sink.close()));
    closed.forEach((r, i) => {
      if (r.status === 'rejected') this.logger.error({ sink: this.deliveries[i]!.sink.name, err: r.reason as Error }, 'sink close failed');
    });
  }

  /** Ok when every sink is (a sink that is retrying is not); the detail names the sinks that are not. */
  health(): Health {
    const bad = this.deliveries.map((d) => ({ name: d.sink.name, h: d.health() })).filter((x) => !x.h.ok);
    if (bad.length === 0) return { ok: true };
    return { ok: false, detail: bad.map((b) => `sink ${b.name}: ${b.h.detail ?? 'not ready'}`).join('; ') };
  }
}

/** The alerts-topic consumer with the service's handler. */
export class ConsumerComponent implements Component {
  readonly name = 'outputs-consumer';

  constructor(
    private readonly consumer: BusConsumer,
    private readonly handler: BatchHandler,
    /** The sinks' delivery runners: told to stop retrying before the consumer waits for its batches. */
    private readonly deliveries: readonly SinkDelivery[] = [],
  ) {}

  /** Registers the handler here rather than at build time, so that building touches nothing. */
  async start(): Promise<void> {
    this.consumer.onBatch(this.handler);
    await this.consumer.start();
  }

  /**
   * Stops fetching; resolves when the batches in hand are handled (and committed when they succeeded). A sink in an
   * outage would hold its batch for the whole retry budget: its retries are abandoned first (the batch is then not
   * committed and comes again after a restart), while attempts in flight finish.
   */
  async stop(): Promise<void> {
    for (const d of this.deliveries) d.stopRetrying();
    await this.consumer.stop();
  }

  health(): Health {
    return this.consumer.health();
  }
}
