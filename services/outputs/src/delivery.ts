/**
 * The delivery runner of one sink: it owns everything a sink must not do itself, namely splitting into the sink's
 * batch size, bounding concurrency (maxInFlight, shared by all partitions), per-attempt timeouts, retries with
 * exponential backoff, and dead-lettering. The invariant: `deliver` resolves only when every record given to it is
 * either delivered by the sink or acknowledged by the dead-letter topic, so the caller may then commit; anything
 * else (the dead-letter write failed, or the service is stopping) rejects, and then nothing may be committed.
 *
 *   deliver(records) ──split by maxBatchAlerts──> chunk ─┬─ sink in an outage? wait for the probe (outage.ts)
 *                                                      ├─ attempt: limiter slot, write(chunk, timeout|stop signal)
 *                                                      │     ok ──────────────────────────────────> delivered
 *                                                      │     rejected for good ───────────────────> dead-letter
 *                                                      │     retryable, budget left ── backoff ─┐
 *                                                      │     retryable, budget spent ─────────────> dead-letter
 *                                                      └────────────────────────────────────────┘
 *
 * Retries are bounded by time, not by count: `retryBudgetMs` from the start of the sink's outage (outage.ts says why
 * per outage and not per chunk), optionally also by `retries` per chunk. Meanwhile the batch is not committed, so
 * the consumer stops fetching: back-pressure, not loss. The price is that the other sinks, which wait for the same
 * commit, get nothing new while one sink is down; they flow again when it recovers or when its budget is spent.
 */
import { type Health, type Logger, PeregrineError } from '@peregrine/core';
import type { BackoffPolicy } from './backoff.js';
import type { DeadLetterWriter } from './dead-letter.js';
import { Limiter } from './limiter.js';
import type { OutputsMetrics } from './metrics.js';
import { SinkOutage } from './outage.js';
import { type AlertRecord, describeRecord } from './parse.js';
import { isRetryable } from './sinks/errors.js';
import type { Sink } from './sinks/types.js';

export interface DeliveryPolicy {
  /** Attempts after the first, per chunk; undefined: as many as the retry budget allows. */
  readonly retries?: number | undefined;
  /** How long a sink may fail, from its first failure, before alerts are dead-lettered instead of retried. */
  readonly retryBudgetMs: number;
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

type DeadLetterWhy = { reason: string; label: 'rejected' | 'retries_exhausted' };

/** What #attempt resolves with when it made no attempt (see there). */
const SKIPPED = Symbol('skipped');

export class SinkDelivery {
  readonly #sink: Sink;
  readonly #policy: DeliveryPolicy;
  readonly #deps: DeliveryDeps;
  readonly #limiter: Limiter;
  readonly #outage: SinkOutage;
  /** Aborts attempts in flight and every wait: the service is stopping now. */
  readonly #stopping = new AbortController();
  /** Aborts waits and retries, not attempts in flight: the consumer is stopping and will not commit what fails. */
  readonly #noRetries = new AbortController();

  constructor(sink: Sink, policy: DeliveryPolicy, deps: DeliveryDeps) {
    this.#sink = sink;
    this.#policy = policy;
    this.#deps = deps;
    this.#limiter = new Limiter(Math.max(1, sink.maxInFlight));
    this.#outage = new SinkOutage(policy.retryBudgetMs, policy.backoff, deps.random);
  }

  get sink(): Sink {
    return this.#sink;
  }

  /**
   * Resolves when every record is delivered or dead-lettered (dead-letter acknowledged). Rejects when a dead-letter
   * write failed or abort()/stopRetrying() cut the delivery short; the caller must then not commit (the batch comes
   * again).
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

  /**
   * The service is about to stop: attempts in flight finish (a healthy sink's batch is still committed), but no
   * chunk waits or retries any more; those reject, so their batch is not committed and comes again after a restart.
   * Without this, stopping during an outage would wait for the retry budget. Idempotent.
   */
  stopRetrying(): void {
    if (!this.#noRetries.signal.aborted) this.#noRetries.abort(this.#abandoned());
  }

  /** Gives up pending attempts and backoffs (used when the service stops); later deliver() calls reject. Idempotent. */
  abort(): void {
    this.stopRetrying();
    if (!this.#stopping.signal.aborted) this.#stopping.abort(this.#abandoned());
  }

  /** Not ok during an outage (the sink is retrying, or dead-lettering past its budget), else the sink's own health. */
  health(): Health {
    const outage = this.#outage;
    if (outage.message === undefined) return this.#sink.health();
    const spent = outage.exhausted() ? ' (retry budget spent)' : '';
    return { ok: false, detail: `failing for ${outage.failingForSeconds()} s${spent}: ${outage.message}` };
  }

  async #deliverChunk(chunk: readonly AlertRecord[]): Promise<void> {
    const me = {}; // this chunk, as a probe owner
    try {
      await this.#deliverChunkAs(me, chunk);
    } finally {
      this.#outage.releaseProbe(me);
    }
  }

  async #deliverChunkAs(me: object, chunk: readonly AlertRecord[]): Promise<void> {
    const { metrics, logger } = this.#deps;
    const outage = this.#outage;
    const sink = this.#sink.name;
    const started = performance.now();
    let firstFailureAt: number | undefined;
    for (let failures = 0; ;) {
      if (outage.active) {
        // Another chunk probes the failing sink: wait for its outcome. Past the budget, only while a probe is in
        // flight (one attempt's time at most); otherwise give up at once.
        if (!outage.claimProbe(me)) {
          if (outage.exhausted() && !outage.probing) return this.#deadLetterChunk(chunk, this.#budgetSpent());
          await this.#wait(outage.exhausted() ? this.#policy.timeoutMs : outage.remainingMs());
          continue;
        }
        const delay = outage.delayMs();
        if (delay > 0) {
          await this.#wait(delay); // cut short when the sink recovers meanwhile
          continue;
        }
      }
      const error = await this.#attempt(me, chunk);
      if (error === SKIPPED) continue;
      if (error === undefined) {
        if (outage.recovered()) logger.info({ sink }, 'sink delivers again');
        metrics.delivered.inc({ sink }, chunk.length);
        metrics.latency.observe({ sink }, (performance.now() - started) / 1000);
        return;
      }
      metrics.failedAttempts.inc({ sink });
      failures++;
      firstFailureAt ??= Date.now();
      if (this.#stopping.signal.aborted) throw this.#abandoned(error);
      const message = errorMessage(error, this.#policy.timeoutMs);
      if (!isRetryable(error)) {
        // A refusal for good is the receiver working as it should (the dead-letter log says what it refused).
        if (outage.recovered()) logger.info({ sink }, 'sink answers again');
        return this.#deadLetterChunk(chunk, { reason: `rejected: ${message}`, label: 'rejected' });
      }
      // Log the change of state once, not every attempt of every chunk: a receiver that is down would flood the log.
      if (outage.failed(me, message, (error as { retryAfterMs?: number }).retryAfterMs)) {
        logger.warn({ sink, error: message, retryBudgetMs: this.#policy.retryBudgetMs }, 'sink write failed: retrying until it recovers');
      } else {
        logger.debug({ sink, error: message, failures }, 'sink write failed');
      }
      const retries = this.#policy.retries;
      if (retries !== undefined && failures > retries) {
        return this.#deadLetterChunk(chunk,
          { reason: `retries exhausted after ${failures} attempt${failures === 1 ? '' : 's'}: ${message}`, label: 'retries_exhausted' });
      }
      // The budget of the outage, or this chunk's own: a chunk that the receiver fails every time while it takes
      // the others (a "poison" alert) keeps ending and restarting the outage, and must not be retried forever.
      if (outage.exhausted() || Date.now() - firstFailureAt >= this.#policy.retryBudgetMs) {
        return this.#deadLetterChunk(chunk, this.#budgetSpent(Date.now() - firstFailureAt, message));
      }
      if (this.#noRetries.signal.aborted) throw this.#abandoned(error);
      if (outage.holdsProbe(me)) {
        // Hand the probe on, so that the next attempt is another chunk's: a poison alert then costs one attempt per
        // round, and the others still prove the receiver works. Wait for the next attempt time meanwhile.
        outage.releaseProbe(me);
        await this.#wait(outage.delayMs());
      }
    }
  }

  /** Waits for a change of the outage or `ms`; rejects (abandoned) when the service stops. */
  async #wait(ms: number): Promise<void> {
    try {
      await this.#outage.changed(ms, this.#noRetries.signal);
    } catch {
      throw this.#abandoned();
    }
  }

  /**
   * The dead-letter reason once the outage (or the chunk: failing for `chunkFailingMs`, last with `message`) has
   * outlasted the budget; logged once per outage.
   */
  #budgetSpent(chunkFailingMs = 0, message = this.#outage.message ?? ''): DeadLetterWhy {
    const outage = this.#outage;
    const seconds = Math.max(outage.failingForSeconds(), Math.round(chunkFailingMs / 1000));
    const reason = `retry budget exhausted: failing for ${seconds} s (retryBudgetMs ${this.#policy.retryBudgetMs}): ${message}`;
    if (outage.firstExhaustion()) {
      this.#deps.logger.error({ sink: this.#sink.name, reason },
        'sink failing beyond its retry budget: dead-lettering its alerts until it answers again');
    }
    return { reason, label: 'retries_exhausted' };
  }

  /**
   * One write under a limiter slot; resolves with the error, undefined on success, or SKIPPED when an outage began
   * while the chunk queued for its slot and another chunk probes: the queue may hold thousands of chunks, and each
   * trying once against a receiver that hangs would hold the batch for a timeout per alert.
   */
  async #attempt(me: object, chunk: readonly AlertRecord[]): Promise<unknown> {
    const release = await this.#limiter.acquire();
    if (this.#outage.active && !this.#outage.holdsProbe(me)) {
      release();
      return SKIPPED;
    }
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

  async #deadLetterChunk(chunk: readonly AlertRecord[], why: DeadLetterWhy): Promise<void> {
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
