/**
 * The sink contract (after pino's transport targets and Benthos's outputs): a sink performs single delivery attempts
 * and classifies their failures; the delivery runner (delivery.ts) owns retries, backoff, timeouts and dead-lettering.
 * The invariant a sink keeps: `write` resolves only when every alert of the call has been handed to the destination
 * (written to the file, accepted with a 2xx), so that the runner may count them delivered and let the offset be
 * committed.
 *
 * Adapted from STYLE.md 3.3: construction does no I/O (buildOutputs is side-effect free) and `open()` is the
 * asynchronous "ready to accept writes" step; `write` takes AlertRecords (the exact JSON text beside the parsed alert).
 */
import type { Health } from '@peregrine/core';
import type { AlertRecord } from '../parse.js';

export interface Sink {
  /** The configured name: metric label, log field, dead-letter source header. */
  readonly name: string;
  readonly type: 'stdout' | 'file' | 'http';
  /** Writes the runner may have in flight at once on this sink (Benthos `max_in_flight`); 1 keeps order. */
  readonly maxInFlight: number;
  /** Most alerts one `write` call takes; the runner splits larger deliveries. */
  readonly maxBatchAlerts: number;
  /** Acquires resources (opens the file, reads TLS files, builds the connection pool). Rejecting aborts boot. */
  open(): Promise<void>;
  /**
   * One delivery attempt of `alerts` (never empty, at most maxBatchAlerts). Resolves when all are delivered.
   * Rejects with a SinkError saying whether a retry can help (`retryable`); any other error counts as retryable.
   * Must give up promptly when `signal` aborts (the runner's per-attempt timeout or shutdown). Never retries itself.
   */
  write(alerts: readonly AlertRecord[], signal: AbortSignal): Promise<void>;
  /** Pushes buffered data to the destination (fsync, stream drain). */
  flush(): Promise<void>;
  /** Releases resources; idempotent. No write is made after close. */
  close(): Promise<void>;
  /** Cheap, synchronous: the last known state. */
  health(): Health;
}
