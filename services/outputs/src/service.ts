/**
 * The outputs service, built from its configuration and its dependencies: alerts topic -> parse -> per-sink filter ->
 * per-sink delivery runner -> sink, with the dead-letter topic for what cannot be delivered. The factory is side-effect
 * free (nothing opens, connects or consumes until `start()`), so tests and the one-process mode can build it freely.
 *
 *                             ┌─ filter ─ SinkDelivery ─ stdout ─┐
 *   alerts topic ── handler ──┼─ filter ─ SinkDelivery ─ file ───┼── all settled ──> commit
 *        │           │        └─ filter ─ SinkDelivery ─ http ───┘
 *        │           └─ recent alerts (the alerts UI's store, ui/store.ts, when given)
 *        └─ not an alert ──────────────── dead-letter topic <── retries exhausted / rejected
 */
import type { Component, Logger, Registry } from '@peregrine/core';
import type { BusConsumer, BusProducer } from '@peregrine/kafka';
import { ConsumerComponent, SinksComponent } from './components.js';
import { checkOutputsConfig, type NamedSinkConfig, type OutputsConfig, sinkNames } from './config.js';
import { DeadLetterWriter } from './dead-letter.js';
import { SinkDelivery } from './delivery.js';
import { compileFilter } from './filter.js';
import { createBatchHandler, type SinkRoute } from './handler.js';
import { createOutputsMetrics } from './metrics.js';
import { createSink } from './sinks/index.js';
import type { AlertStore } from './ui/store.js';

export interface OutputsDeps {
  /** A consumer of the alerts topic (its group and topics are the caller's choice). Started and stopped by us. */
  readonly consumer: BusConsumer;
  /**
   * Writes to the dead-letter topic. Owned by the caller: start it before these components and stop it after them,
   * because the consumer's last batch may still dead-letter while it stops.
   */
  readonly producer: BusProducer;
  readonly deadLetterTopic: string;
  readonly logger: Logger;
  /** Metrics are registered here (once per registry: build one service per registry). */
  readonly registry: Registry;
  /** Where stdout sinks write. Default: process.stdout. */
  readonly stdout?: NodeJS.WritableStream | undefined;
  /** The alerts UI's store (ui/store.ts), when the UI is on: every valid alert read is kept there too. */
  readonly recent?: AlertStore | undefined;
}

/**
 * Builds the service's components, in start order: [sinks, consumer]. Start them in order and stop them in reverse
 * (core's startAll/stopAll do): the consumer finishes its batch, then the sinks flush and close. Throws
 * PG_ERR_CONFIG for a configuration that is inconsistent (duplicate sink names, half a client certificate...).
 */
export function buildOutputs(config: OutputsConfig, deps: OutputsDeps): Component[] {
  checkOutputsConfig(config);
  const metrics = createOutputsMetrics(deps.registry);
  const deadLetter = new DeadLetterWriter(deps.producer, deps.deadLetterTopic);
  const names = sinkNames(config.sinks);
  const routes: SinkRoute[] = config.sinks.map((sinkConfig, i) => {
    const name = names[i]!;
    const sink = createSink({ ...sinkConfig, name } as NamedSinkConfig, { stdout: deps.stdout });
    const delivery = new SinkDelivery(sink, {
      retries: sinkConfig.retries,
      retryBudgetMs: sinkConfig.retryBudgetMs,
      timeoutMs: sinkConfig.timeoutMs,
      backoff: {
        initialMs: sinkConfig.backoffInitialMs,
        maxMs: sinkConfig.backoffMaxMs,
        factor: sinkConfig.backoffFactor,
        jitter: sinkConfig.backoffJitter,
      },
    }, { deadLetter, logger: deps.logger, metrics });
    // Zero-valued series from the start, so that dashboards and alerts on rates see every sink.
    for (const counter of [metrics.delivered, metrics.filtered, metrics.failedAttempts]) counter.inc({ sink: name }, 0);
    return { name, filter: compileFilter(sinkConfig), delivery };
  });
  const handler = createBatchHandler(routes, { deadLetter, logger: deps.logger, metrics, recent: deps.recent });
  return [
    new SinksComponent(routes.map((r) => r.delivery), deps.logger),
    new ConsumerComponent(deps.consumer, handler, routes.map((r) => r.delivery)),
  ];
}
