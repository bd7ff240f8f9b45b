/**
 * The outage of one sink: from the first failed attempt that a retry could fix until the destination answers again
 * (a write succeeds, or it refuses something for good, which also proves it is up). The delivery runner keeps one
 * per sink, shared by every chunk of every partition, because an outage belongs to the receiver, not to a batch.
 *
 * Two invariants follow from that:
 * - The retry budget is counted from the start of the outage, not per chunk. Counted per chunk, a receiver that stays
 *   down would hold every new batch for the whole budget, one after the other, and the other sinks (which wait for
 *   the same commit) would get almost nothing for as long as the outage lasts. Counted per outage, once the budget is
 *   spent every chunk is dead-lettered at once, and the other sinks flow again.
 * - At most one chunk probes a failing sink at a time (the "probe"), on the backoff schedule; the others wait for it
 *   to succeed. A receiver that is down costs one request per backoff interval instead of one per alert, and one
 *   that hangs costs one timeout at a time instead of holding every alert for a timeout each. The runner hands the
 *   probe on after each failed attempt, so one alert the receiver always fails cannot stand for the receiver.
 *
 *   ok ──retryable failure──> outage (within budget) ──budget spent──> exhausted
 *    ^                          │ one probe, backoff       │ one probe per backoff interval; the chunks
 *    │                          │ the others wait for it   │ that come meanwhile wait for its outcome,
 *    └──────── a write succeeds, or a refusal for good ────┘ the others are dead-lettered without an attempt
 */
import { type BackoffPolicy, backoffDelay } from './backoff.js';

/** Who holds the probe: any object a chunk's delivery keeps for its lifetime. */
export type ProbeOwner = object;

export class SinkOutage {
  readonly #budgetMs: number;
  readonly #backoff: BackoffPolicy;
  readonly #random: () => number;
  readonly #now: () => number;
  /** Start of the current outage (ms), undefined while the sink works. */
  #since: number | undefined;
  #message = '';
  /** Failures counted for the backoff (the one that started the outage, then the probe's). */
  #failures = 0;
  /** The probe may not attempt before this time (ms). */
  #nextAttemptAt = 0;
  #prober: ProbeOwner | undefined;
  #exhaustedLogged = false;
  readonly #wake = new Set<() => void>();

  constructor(budgetMs: number, backoff: BackoffPolicy, random: () => number = Math.random, now: () => number = Date.now) {
    this.#budgetMs = budgetMs;
    this.#backoff = backoff;
    this.#random = random;
    this.#now = now;
  }

  get active(): boolean {
    return this.#since !== undefined;
  }

  /** The last failure's message while the outage lasts. */
  get message(): string | undefined {
    return this.#since === undefined ? undefined : this.#message;
  }

  /**
   * Records a retryable failure: starts the outage (true is returned then) or, when `owner` holds the probe, moves
   * the next attempt one backoff step further. Failures of chunks that were already in flight when the outage began
   * do not speed the backoff up.
   */
  failed(owner: ProbeOwner, message: string, retryAfterMs?: number): boolean {
    const started = this.#since === undefined;
    if (started) this.#since = this.#now();
    this.#message = message;
    if (started || this.#prober === owner) {
      this.#failures++;
      this.#nextAttemptAt = this.#now() + backoffDelay(this.#backoff, this.#failures, retryAfterMs, this.#random);
    }
    return started;
  }

  /** The destination answered: the outage, if any, ends and every waiting chunk goes. True when one ended. */
  recovered(): boolean {
    if (this.#since === undefined) return false;
    this.#since = undefined;
    this.#failures = 0;
    this.#nextAttemptAt = 0;
    this.#prober = undefined;
    this.#exhaustedLogged = false;
    this.#notify();
    return true;
  }

  /** The outage has lasted the whole budget: chunks are dead-lettered instead of waiting. */
  exhausted(): boolean {
    return this.#since !== undefined && this.#now() - this.#since >= this.#budgetMs;
  }

  /** True the first time it is asked after the budget is spent (so that the runner logs it once per outage). */
  firstExhaustion(): boolean {
    if (!this.exhausted() || this.#exhaustedLogged) return false;
    this.#exhaustedLogged = true;
    return true;
  }

  /**
   * Takes the probe when nobody holds it. Once the budget is spent, only when the next attempt is due, so that a
   * dead receiver still sees one request per backoff interval and its recovery is noticed.
   */
  claimProbe(owner: ProbeOwner): boolean {
    if (this.#prober === owner) return true;
    if (this.#prober !== undefined) return false;
    if (this.exhausted() && this.#now() < this.#nextAttemptAt) return false;
    this.#prober = owner;
    return true;
  }

  /** Some chunk holds the probe. */
  get probing(): boolean {
    return this.#since !== undefined && this.#prober !== undefined;
  }

  holdsProbe(owner: ProbeOwner): boolean {
    return this.#since !== undefined && this.#prober === owner;
  }

  /** Gives the probe up (its chunk was delivered, dead-lettered or abandoned); a waiting chunk takes it. */
  releaseProbe(owner: ProbeOwner): void {
    if (this.#prober !== owner) return;
    this.#prober = undefined;
    this.#notify();
  }

  /** How long the probe waits before its next attempt: the backoff, but never past the end of the budget. */
  delayMs(): number {
    if (this.#since === undefined) return 0;
    return Math.max(0, Math.min(this.#nextAttemptAt - this.#now(), this.remainingMs()));
  }

  /** Budget left in this outage (0 when none is left or there is no outage). */
  remainingMs(): number {
    return this.#since === undefined ? 0 : Math.max(0, this.#since + this.#budgetMs - this.#now());
  }

  /** How long the sink has been failing, in seconds, for messages. */
  failingForSeconds(): number {
    return this.#since === undefined ? 0 : Math.round((this.#now() - this.#since) / 1000);
  }

  /**
   * Resolves at the next change (the outage ended, the probe was given up) or after `ms`; rejects with the signal's
   * reason as soon as it aborts.
   */
  changed(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#wake.delete(done);
        resolve();
      };
      const onAbort = () => {
        clearTimeout(timer);
        this.#wake.delete(done);
        reject(signal.reason as Error);
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#wake.add(done);
    });
  }

  #notify(): void {
    for (const w of [...this.#wake]) w();
  }
}
