/**
 * Exponential backoff with jitter, and a sleep that an AbortSignal cuts short. The invariant: a delay is never negative
 * and never above `maxMs` (a receiver's Retry-After included), so a sink's retry budget stays bounded and computable.
 */

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Growth per retry, >= 1. */
  readonly factor: number;
  /** 0..1: the delay is spread uniformly over delay * (1 +/- jitter). */
  readonly jitter: number;
}

/**
 * The wait before retry number `retry` (1 = the first retry): initial * factor^(retry-1), jittered, raised to the
 * receiver's `retryAfterMs` when it asked for longer, capped at maxMs.
 */
export function backoffDelay(policy: BackoffPolicy, retry: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, retry - 1));
  const jittered = base * (1 + policy.jitter * (2 * random() - 1));
  return Math.round(Math.min(policy.maxMs, Math.max(0, jittered, retryAfterMs ?? 0)));
}

/** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
