/**
 * The outputs service's Prometheus metrics, registered on the registry the caller gives (one per service instance).
 * Names follow `peregrine_outputs_<what>_<unit>`; `sink` labels carry configured sink names, so their number is
 * bounded by the configuration.
 */
import { Counter, Histogram, type Registry } from '@peregrine/core';

export interface OutputsMetrics {
  /** Valid alerts read from the alerts topic (each counted once per delivery of its batch, replays included). */
  readonly received: Counter<never>;
  /** Messages of the alerts topic that were not valid alert JSON (all dead-lettered). */
  readonly invalid: Counter<never>;
  readonly delivered: Counter<'sink'>;
  /** Alerts a sink's filter left out. */
  readonly filtered: Counter<'sink'>;
  /** Failed write attempts (each retry that fails counts; a rejected attempt too). */
  readonly failedAttempts: Counter<'sink'>;
  /** reason: `rejected` (refused for good) or `retries_exhausted`. */
  readonly deadLettered: Counter<'sink' | 'reason'>;
  /** From the first attempt to success, retries included, per delivered write. */
  readonly latency: Histogram<'sink'>;
}

export function createOutputsMetrics(registry: Registry): OutputsMetrics {
  const registers = [registry];
  return {
    received: new Counter({ name: 'peregrine_outputs_alerts_received_total', help: 'Alerts read from the alerts topic.', registers }),
    invalid: new Counter({
      name: 'peregrine_outputs_messages_invalid_total', help: 'Messages that were not valid alert JSON (dead-lettered).', registers,
    }),
    delivered: new Counter({
      name: 'peregrine_outputs_alerts_delivered_total', help: 'Alerts delivered, per sink.', labelNames: ['sink'], registers,
    }),
    filtered: new Counter({
      name: 'peregrine_outputs_alerts_filtered_total', help: 'Alerts left out by a sink filter, per sink.', labelNames: ['sink'], registers,
    }),
    failedAttempts: new Counter({
      name: 'peregrine_outputs_delivery_attempts_failed_total', help: 'Failed write attempts, per sink.', labelNames: ['sink'], registers,
    }),
    deadLettered: new Counter({
      name: 'peregrine_outputs_alerts_dead_lettered_total',
      help: 'Alerts sent to the dead-letter topic, per sink and reason (rejected | retries_exhausted).',
      labelNames: ['sink', 'reason'], registers,
    }),
    latency: new Histogram({
      name: 'peregrine_outputs_delivery_duration_seconds',
      help: 'Time from the first write attempt to success, retries included, per sink.',
      labelNames: ['sink'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
  };
}
