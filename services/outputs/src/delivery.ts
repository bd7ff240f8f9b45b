/**
 * The delivery runner of one sink: it owns everything a sink must not do itself, namely splitting into the sink's
 * batch size, bounding concurrency (maxInFlight, shared by all partitions), per-attempt timeouts, retries with
 * exponential backoff, and dead-lettering. The invariant: `deliver` resolves only when every record given to it is
 * either delivered by the sink or acknowledged by the dead-letter topic, so the caller may then commit; anything
 * else (the dead-letter write failed, or the service is stopping) rejects, and then nothing may be committed.
 *
 *   deliver(records) ──split by maxBatchAlerts──> chunk ─┬─ attempt: limiter slot, write(chunk, timeout|stop signal)
 *                                                      │     ok ─────────────────────────────> delivered
 *                                                      │     rejected for good ──────────────> dead-letter
 *                                                      │     retryable, retries left ── sleep(backoff) ─┐
 *                                                      │     retryable, none left ───────────> dead-letter
 *                                                      └────────────────────────────────────────────────┘
 *
 * A sink that is down therefore holds a batch for at most its retry budget, (retries + 1) * timeoutMs plus the
 * backoff delays, while the other sinks of the same batch proceed concurrently.
 */
import { type Health, type Logger, PeregrineError } from '@peregrine/core';
import { type BackoffPolicy, backoffDelay, sleep } from './backoff.js';
import type { DeadLetterWriter } from './dead-letter.js';
import { Limiter } from './limiter.js';
import type { OutputsMetrics } from './metrics.js';
import { type AlertRecord, describeRecord } from './parse.js';
import { isRetryable } from './sinks/errors.js';
import type { Sink } from './sinks/types.js';

export interface DeliveryPolicy {
  /** Attempts after the first. */
  readonly retries: number;
  /** Bound of one attempt. */
  readonly timeoutMs: number;
  readonly backoff: BackoffPolicy;
}

export interface DeliveryDeps {
  readonly deadLetter: DeadLetterWriter;
  readonly logger: Logger;
  readonly metrics: OutputsMetrics;
  /** For tests of jitter; Math.random by default. */
  readonly random?: () => number;
}

/** Dead-letter logs name at most this many alerts per write (rule and id each); the rest are counted. */
const LOGGED_ALERTS = 20;

export class SinkDelivery {
  readonly #sink: Sink;
  readonly #policy: DeliveryPolicy;
  readonly #deps: DeliveryDeps;
  readonly #limiter: Limiter;
  readonly #stopping = new AbortController();
  /** The last failure's message while the sink is failing (for health and to log state changes once). */
  #failing: string | undefined;

  constructor(sink: Sink, policy: DeliveryPolicy, deps: DeliveryDeps) {
    this.#sink = sink;
    this.#policy = policy;
    this.#deps = deps;
    this.#limiter = new Limiter(Math.max(1, sink.maxInFlight));
  }

  get sink(): Sink {
    return this.#sink;
  }

  /**
   * Resolves when every record is delivered or dead-lettered (dead-letter acknowledged). Rejects when a dead-letter
   * write failed or abort() cut the delivery short; the caller must then not commit (the batch comes again).
   */
  async deliver(records: readonly AlertRecord[]): Promise<void> {
    if (this.#stopping.signal.aborted) throw this.#abandoned();
    const size = Math.max(1, this.#sink.maxBatchAlerts);
    const chunks: AlertRecord[][] = [];
    for (let i = 0; i < records.length; i += size) chunks.push(records.slice(i, i + size));
    // allSettled, not all: every chunk must be finished (or given up) before the caller decides, and no rejection
    // may be left unobserved.
    const results = await Promise.allSettled(chunks.map((chunk) => this.#deliverChunk(chunk)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Gives up pending attempts and backoffs (used when the service stops); later deliver() calls reject. Idempotent. */
  abort(): void {
    if (!this.#stopping.signal.aborted) this.#stopping.abort(this.#abandoned());
  }

  /** Not ok while the last attempt failed (the sink is retrying), else the sink's own health. */
  health(): Health {
    if (this.#failing !== undefined) return { ok: false, detail: `failing: ${this.#failing}` };
    return this.#sink.health();
  }

  async #deliverChunk(chunk: readonly AlertRecord[]): Promise<void> {
    const { metrics, logger } = this.#deps;
    const sink = this.#sink.name;
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      const error = await this.#attempt(chunk);
      if (error === undefined) {
        metrics.delivered.inc({ sink }, chunk.length);
        metrics.latency.observe({ sink }, (performance.now() - started) / 1000);
        if (this.#failing !== undefined) logger.info({ sink }, 'sink delivers again');
        this.#failing = undefined;
        return;
      }
      metrics.failedAttempts.inc({ sink });
      if (this.#stopping.signal.aborted) throw this.#abandoned(error);
      const message = errorMessage(error, this.#policy.timeoutMs);
      const retryable = isRetryable(error);
      // A refusal for good is the receiver working as it should (the dead-letter log says what it refused); only
      // retryable failures make the sink unhealthy. Log the change of state once, not every attempt of every chunk:
      // a receiver that is down would flood the log.
      if (retryable) {
        if (this.#failing === undefined) logger.warn({ sink, error: message, attempt }, 'sink write failed');
        else logger.debug({ sink, error: message, attempt }, 'sink write failed');
        this.#failing = message;
      }
      if (!retryable || attempt > this.#policy.retries) {
        await this.#deadLetterChunk(chunk, retryable
          ? { reason: `retries exhausted after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${message}`, label: 'retries_exhausted' }
          : { reason: `rejected: ${message}`, label: 'rejected' });
        return;
      }
      const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
      try {
        await sleep(backoffDelay(this.#policy.backoff, attempt, retryAfterMs, this.#deps.random), this.#stopping.signal);
      } catch {
        throw this.#abandoned(error);
      }
    }
  }

  /** One write under a limiter slot; resolves with the error, or undefined on success. */
  async #attempt(chunk: readonly AlertRecord[]): Promise<unknown> {
    const release = await this.#limiter.acquire();
    const stopping = this.#stopping.signal;
    // A controller per attempt, fed by a timer and by the stop signal, rather than AbortSignal.any(): listeners
    // are removed when the attempt ends, so the long-lived stop signal does not collect one per attempt.
    const controller = new AbortController();
    const onStop = () => controller.abort(stopping.reason);
    const timer = setTimeout(() => controller.abort(new DOMException('the attempt timed out', 'TimeoutError')), this.#policy.timeoutMs);
    stopping.addEventListener('abort', onStop, { once: true });
    try {
      if (stopping.aborted) return stopping.reason;
      await raceAbort(this.#sink.write(chunk, controller.signal), controller.signal);
      return undefined;
    } catch (err) {
      return err ?? new Error('write failed without an error');
    } finally {
      clearTimeout(timer);
      stopping.removeEventListener('abort', onStop);
      release();
    }
  }

  async #deadLetterChunk(chunk: readonly AlertRecord[], why: { reason: string; label: 'rejected' | 'retries_exhausted' }): Promise<void> {
    const { metrics, logger, deadLetter } = this.#deps;
    const sink = this.#sink.name;
    // The dead-letter write must be acknowledged before the batch may be committed: a failure here propagates.
    await deadLetter.send(chunk.map((r) => r.message), why.reason, sink);
    metrics.deadLettered.inc({ sink, reason: why.label }, chunk.length);
    logger.warn({
      sink, reason: why.reason, topic: deadLetter.topic, count: chunk.length,
      alerts: chunk.slice(0, LOGGED_ALERTS).map(describeRecord),
    }, 'alerts dead-lettered');
  }

  #abandoned(cause?: unknown): PeregrineError {
    return new PeregrineError('PG_ERR_SINK_UNAVAILABLE', `delivery to sink '${this.#sink.name}' abandoned: the service is stopping`,
      cause === undefined ? undefined : { cause });
  }
}

/**
 * Settles with `work`, or rejects as soon as `signal` aborts: a sink that ignores its signal cannot hold the runner
 * past the attempt's timeout. The late outcome of such a write is observed (never an unhandled rejection) and dropped.
 */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}

function errorMessage(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    // The timer's reason, when the runner's race settled before the sink's own error.
    if (err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
    return err.message;
  }
  return String(err);
}
