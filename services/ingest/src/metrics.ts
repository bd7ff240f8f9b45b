/**
 * The ingest service's Prometheus metrics, registered on the registry the caller gives (one registry per service
 * instance: building two ingests on one registry is an error from prom-client, by design). Label values come from
 * fixed sets (status codes, reasons), never from the request, so cardinality is bounded.
 */
import { Counter, Histogram, type Registry } from '@peregrine/core';

export type RejectReason =
  | 'unauthenticated' | 'forbidden' | 'bad_cluster' | 'content_type' | 'body_too_large' | 'event_too_large'
  | 'invalid_json' | 'not_audit' | 'bad_request' | 'bus_unavailable' | 'bus_full' | 'bus_timeout' | 'internal';

export interface IngestMetrics {
  readonly requests: Counter<'status'>;
  readonly rejected: Counter<'reason'>;
  readonly events: Counter;
  readonly bytes: Counter;
  readonly messages: Counter;
  readonly splitBodies: Counter;
  readonly truncatedEvents: Counter;
  readonly busWriteSeconds: Histogram;
}

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'peregrine_ingest_requests_total', help: 'Webhook requests answered, by HTTP status.',
      labelNames: ['status'], registers,
    }),
    rejected: new Counter({
      name: 'peregrine_ingest_requests_rejected_total', help: 'Webhook requests not accepted, by reason.',
      labelNames: ['reason'], registers,
    }),
    events: new Counter({
      name: 'peregrine_ingest_events_accepted_total', help: 'Audit events acknowledged by the bus and answered 200.', registers,
    }),
    bytes: new Counter({
      name: 'peregrine_ingest_accepted_bytes_total', help: 'Bytes of request bodies acknowledged by the bus.', registers,
    }),
    messages: new Counter({
      name: 'peregrine_ingest_bus_messages_total', help: 'Messages written to the audit topic.', registers,
    }),
    splitBodies: new Counter({
      name: 'peregrine_ingest_split_bodies_total',
      help: 'Bodies larger than the bus message limit, re-wrapped into several EventList messages.', registers,
    }),
    truncatedEvents: new Counter({
      name: 'peregrine_ingest_events_truncated_total',
      help: 'Events too large for one bus message by themselves, stored without their request and response objects.',
      registers,
    }),
    busWriteSeconds: new Histogram({
      name: 'peregrine_ingest_bus_write_seconds', help: 'Time from send to the bus acknowledging (or refusing) a body.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25], registers,
    }),
  };
}
