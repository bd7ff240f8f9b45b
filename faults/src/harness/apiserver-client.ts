/**
 * Sends webhook bodies the way a kube-apiserver's batching audit backend does: one POST per batch, any answer other
 * than 2xx (or a connection error, or a timeout) retried with exponential backoff and jitter, a bounded number of
 * attempts, then the batch is dropped (the apiserver only counts it). Times are scaled down from the apiserver's
 * (10 s initial backoff, factor 1.5, 5 attempts, 30 s timeout) so a case runs in seconds; a `Retry-After` answer is
 * honoured when shorter than the backoff would be, as a well-behaved client does.
 */
import { sleep } from './processes.js';

export interface ApiserverClientOptions {
  /** Batches in flight at once (the apiserver's webhook backend sends one at a time per apiserver). Default 1. */
  readonly concurrency?: number;
  /** Attempts per batch before dropping it. Default 8. */
  readonly attempts?: number;
  readonly initialBackoffMs?: number;
  readonly backoffFactor?: number;
  readonly timeoutMs?: number;
  /** Pause between two batches of one sender, to spread a corpus over time. Default 0. */
  readonly pauseMs?: number;
  /** Called with the index (in `bodies`) of each batch answered 2xx, as it is: what the receiver took responsibility for. */
  readonly onAccepted?: (index: number) => void;
}

export interface SendStats {
  readonly batches: number;
  /** Batches answered 2xx in the end. */
  accepted: number;
  /** Batches dropped after the last attempt: events lost at the source, which no case may tolerate. */
  dropped: number;
  /** Attempts beyond the first. */
  retries: number;
  /** Answers by HTTP status (`error` for connection errors and timeouts). */
  readonly statuses: Record<string, number>;
  /** Non-2xx answers that carried a usable `Retry-After`. */
  retryAfterAnswers: number;
}

export async function sendLikeApiserver(
  baseUrl: string, bodies: readonly { cluster: string; body: string }[], options: ApiserverClientOptions = {},
): Promise<SendStats> {
  const attempts = options.attempts ?? 8;
  const initial = options.initialBackoffMs ?? 1000;
  const factor = options.backoffFactor ?? 1.5;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const stats: SendStats = { batches: bodies.length, accepted: 0, dropped: 0, retries: 0, statuses: {}, retryAfterAnswers: 0 };
  let next = 0;
  const sender = async () => {
    while (next < bodies.length) {
      const index = next++;
      const { cluster, body } = bodies[index]!;
      let delay = initial;
      for (let attempt = 1; ; attempt++) {
        let status = 'error';
        let retryAfterMs = Infinity;
        try {
          const res = await fetch(`${baseUrl}/${cluster}`, {
            method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs),
          });
          await res.arrayBuffer();
          status = String(res.status);
          const retryAfter = Number(res.headers.get('retry-after'));
          if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
        } catch {
          // connection refused or reset, or timed out: retried like any error
        }
        stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
        if (status.startsWith('2')) {
          stats.accepted++;
          options.onAccepted?.(index);
          break;
        }
        if (retryAfterMs !== Infinity) stats.retryAfterAnswers++;
        if (attempt >= attempts) {
          stats.dropped++;
          break;
        }
        stats.retries++;
        const jittered = delay * (1 + 0.2 * Math.random());
        await sleep(Math.min(jittered, retryAfterMs));
        delay *= factor;
      }
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, sender));
  return stats;
}
