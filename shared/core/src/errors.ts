/**
 * Coded errors shared by the services. Codes are stable (tests and operators match on them, never on messages);
 * `cause` keeps the underlying error.
 */
export const ERROR_CODES = [
  'PG_ERR_CONFIG',
  'PG_ERR_BUS_UNAVAILABLE',
  'PG_ERR_BUS_FULL',
  'PG_ERR_BUS_MESSAGE_TOO_LARGE',
  'PG_ERR_SINK_HTTP_STATUS',
  'PG_ERR_SINK_UNAVAILABLE',
  'PG_ERR_RULES',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class PeregrineError extends Error {
  override readonly name = 'PeregrineError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isPeregrineError(err: unknown, code?: ErrorCode): err is PeregrineError {
  return err instanceof PeregrineError && (code === undefined || err.code === code);
}
