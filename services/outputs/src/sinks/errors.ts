/**
 * The one error type sinks throw: a coded PeregrineError that also says whether retrying can help. The runner reads
 * only `retryable` and `retryAfterMs`; the message goes to the log and the dead-letter reason header, so it must never
 * carry secrets (header values, URL credentials) or alert content.
 */
import { type ErrorCode, PeregrineError } from '@peregrine/core';

export class SinkError extends PeregrineError {
  /** false: the destination refused the alerts for good (e.g. HTTP 400); dead-letter them without retrying. */
  readonly retryable: boolean;
  /** The destination asked to wait this long before retrying (HTTP Retry-After), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable: boolean; retryAfterMs?: number | undefined; cause?: unknown },
  ) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Whether the runner should retry after `err`: only a SinkError can say no. */
export function isRetryable(err: unknown): boolean {
  return !(err instanceof SinkError) || err.retryable;
}
