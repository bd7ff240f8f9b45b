/**
 * kafkajs errors -> the bus's coded errors. The services only ever see the three codes of the Bus contract, so this
 * is the one place that knows kafkajs's error classes, and it keeps the kafkajs error as `cause`.
 *
 *   MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE anywhere in the cause chain  -> PG_ERR_BUS_MESSAGE_TOO_LARGE (split it)
 *   anything else (connection refused, timeouts, retries exhausted, ...)   -> PG_ERR_BUS_UNAVAILABLE (try later)
 *
 * kafkajs wraps errors as it retries (KafkaJSNumberOfRetriesExceeded -> cause -> KafkaJSProtocolError), so the
 * protocol error type is searched through `cause`, `originalError` and aggregate `errors`, never matched on a message.
 */
import { PeregrineError } from '@peregrine/core';

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

interface KafkaJsErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly type?: unknown;
  readonly cause?: unknown;
  readonly originalError?: unknown;
  readonly errors?: unknown;
}

/** Every error in the chain of `err`, outermost first (bounded: kafkajs chains are short, cycles are not followed). */
export function errorChain(err: unknown): KafkaJsErrorLike[] {
  const out: KafkaJsErrorLike[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 20) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || out.includes(e as KafkaJsErrorLike)) continue;
    const like = e as KafkaJsErrorLike;
    out.push(like);
    queue.push(like.cause, like.originalError);
    if (Array.isArray(like.errors)) queue.push(...(like.errors as unknown[]));
  }
  return out;
}

/** The Kafka protocol error type (e.g. `NOT_LEADER_FOR_PARTITION`) found in the chain, if any. */
export function kafkaErrorType(err: unknown): string | undefined {
  for (const e of errorChain(err)) if (typeof e.type === 'string') return e.type;
  return undefined;
}

/**
 * The PeregrineError for a failed bus operation (`what`, e.g. "send to 'audit'"). A PeregrineError is returned as is.
 */
export function toBusError(err: unknown, what: string): PeregrineError {
  if (err instanceof PeregrineError) return err;
  const chain = errorChain(err);
  const tooLarge = chain.find((e) => typeof e.type === 'string' && TOO_LARGE.has(e.type));
  if (tooLarge) {
    return new PeregrineError('PG_ERR_BUS_MESSAGE_TOO_LARGE',
      `${what}: the broker refused the message as too large (${String(tooLarge.type)}); split it`, { cause: err });
  }
  return new PeregrineError('PG_ERR_BUS_UNAVAILABLE', `${what}: ${describe(chain)}`, { cause: err });
}

/** "KafkaJSNumberOfRetriesExceeded: ... <- KafkaJSConnectionError: Connection error: connect ECONNREFUSED ..." */
function describe(chain: readonly KafkaJsErrorLike[]): string {
  const parts: string[] = [];
  for (const e of chain) {
    const text = `${typeof e.name === 'string' ? e.name : 'Error'}: ${typeof e.message === 'string' ? e.message : ''}`;
    if (!parts.includes(text)) parts.push(text);
  }
  return parts.slice(0, 3).join(' <- ') || 'unknown error';
}
