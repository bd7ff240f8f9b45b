/**
 * The evaluator's Prometheus metrics.
 */
import { Counter, Gauge, Histogram, type Registry } from '@peregrine/core';

export type EvaluatorMetrics = ReturnType<typeof evaluatorMetrics>;

export function evaluatorMetrics(registry: Registry) {
  const registers = [registry];
  return {
    messages: new Counter({ name: 'peregrine_evaluator_messages_received_total', help: 'Bus messages received from the audit topic', registers }),
    events: new Counter({ name: 'peregrine_evaluator_events_evaluated_total', help: 'Audit events decoded and evaluated', registers }),
    alerts: new Counter({ name: 'peregrine_evaluator_alerts_produced_total', help: 'Alerts written to the alerts topic', registers, labelNames: ['priority'] }),
    ruleMatches: new Counter({ name: 'peregrine_evaluator_rule_matches_total', help: 'Matches per rule', registers, labelNames: ['rule'] }),
    ruleSeconds: new Counter({
      name: 'peregrine_evaluator_rule_evaluation_seconds_total',
      help: 'Time spent evaluating each rule, measured on a sample of events and scaled up to all events',
      registers, labelNames: ['rule'],
    }),
    deadLetters: new Counter({ name: 'peregrine_evaluator_messages_dead_lettered_total', help: 'Messages with undecodable events sent to the dead-letter topic', registers }),
    batchSeconds: new Histogram({
      name: 'peregrine_evaluator_batch_duration_seconds', help: 'From a batch received to its alerts acknowledged',
      registers, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    batchFailures: new Counter({ name: 'peregrine_evaluator_batch_failures_total', help: 'Batches that failed and will be delivered again', registers }),
    poolUtilization: new Gauge({ name: 'peregrine_evaluator_pool_utilization_ratio', help: 'Share of the worker pool in use (0..1)', registers }),
    poolQueued: new Gauge({ name: 'peregrine_evaluator_pool_queued_tasks', help: 'Batches waiting for a worker', registers }),
    lag: new Gauge({ name: 'peregrine_evaluator_consumer_lag_messages', help: 'Audit messages not yet committed by this group', registers }),
    reloads: new Counter({ name: 'peregrine_evaluator_rules_reloads_total', help: 'Rules reloads', registers, labelNames: ['result'] }),
    rulesActive: new Gauge({ name: 'peregrine_evaluator_rules_active', help: 'Rules being evaluated', registers }),
  };
}
