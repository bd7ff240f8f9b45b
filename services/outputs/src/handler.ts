/**
 * The consumer's batch handler: parse every message, fan the valid alerts out to every sink (through its filter and
 * delivery runner) concurrently, dead-letter what is not an alert, and settle only when all of that has settled. The
 * invariant, which is the service's delivery guarantee: the handler resolves (so the bus commits the batch) only
 * when every alert of the batch is delivered by every sink that wants it or acknowledged by the dead-letter topic;
 * otherwise it rejects and the whole batch comes again (sinks that had it get it twice: delivery is at least once,
 * and alerts carry a stable `id` to deduplicate on).
 */
import type { Logger } from '@peregrine/core';
import type { BatchHandler, ReceivedMessage } from '@peregrine/kafka';
import { type DeadLetterWriter, SERVICE_SOURCE } from './dead-letter.js';
import type { SinkDelivery } from './delivery.js';
import type { AlertFilter } from './filter.js';
import type { OutputsMetrics } from './metrics.js';
import { type AlertRecord, parseAlertMessage } from './parse.js';
import type { AlertStore } from './ui/store.js';

/** The dead-letter reason of messages that are not valid alert JSON. */
export const INVALID_ALERT_REASON = 'invalid alert JSON';

export interface SinkRoute {
  readonly name: string;
  readonly filter: AlertFilter;
  readonly delivery: SinkDelivery;
}

export interface HandlerDeps {
  readonly deadLetter: DeadLetterWriter;
  readonly logger: Logger;
  readonly metrics: OutputsMetrics;
  /** The alerts UI's store: every valid alert is added as it is read, before delivery (so a sink outage hides none). */
  readonly recent?: AlertStore | undefined;
}

export function createBatchHandler(routes: readonly SinkRoute[], deps: HandlerDeps): BatchHandler {
  const { deadLetter, logger, metrics, recent } = deps;
  return async (batch) => {
    const records: AlertRecord[] = [];
    const invalid: ReceivedMessage[] = [];
    for (const message of batch.messages) {
      const parsed = parseAlertMessage(message);
      if (parsed.ok) {
        records.push(parsed.record);
      } else {
        invalid.push(message);
        logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset, problem: parsed.reason },
          'not a valid alert: dead-lettering the message');
      }
    }
    metrics.received.inc(records.length);
    metrics.invalid.inc(invalid.length);
    recent?.add(records);

    const work: Promise<void>[] = [];
    if (invalid.length > 0) work.push(deadLetter.send(invalid, INVALID_ALERT_REASON, SERVICE_SOURCE));
    for (const route of routes) {
      const wanted = records.filter(route.filter);
      if (wanted.length < records.length) metrics.filtered.inc({ sink: route.name }, records.length - wanted.length);
      if (wanted.length > 0) work.push(route.delivery.deliver(wanted));
    }
    const results = await Promise.allSettled(work);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      logger.error({
        topic: batch.topic, partition: batch.partition,
        fromOffset: batch.messages[0]?.offset, toOffset: batch.messages.at(-1)?.offset, err: failed.reason as Error,
      }, 'batch not committed: it will be delivered again');
      throw failed.reason;
    }
  };
}
