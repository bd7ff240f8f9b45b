/**
 * The webhook's error answers: every non-2xx has a JSON body `{ "code": "PG_ERR_…", "message": "…" }` with a stable
 * code (clients and tests match on the code, never on the message), and one `reason` label for the rejection metric.
 * Messages are built from fixed text and sizes only: they never quote the body or a credential.
 */
import type { FastifyReply } from 'fastify';

export const INGEST_ERROR_CODES = [
  'PG_ERR_INGEST_UNAUTHENTICATED', // 401: no credentials
  'PG_ERR_INGEST_FORBIDDEN', // 403: wrong token, untrusted certificate, or not allowed for the cluster in the path
  'PG_ERR_INGEST_BAD_CLUSTER', // 400: the cluster in the path is not a valid name
  'PG_ERR_INGEST_CONTENT_TYPE', // 415: not application/json, or a content encoding
  'PG_ERR_INGEST_BODY_TOO_LARGE', // 413: body above maxBodyBytes
  'PG_ERR_INGEST_EVENT_TOO_LARGE', // 413: one event larger than the bus's message limit
  'PG_ERR_INGEST_INVALID_JSON', // 400
  'PG_ERR_INGEST_NOT_AUDIT', // 400: JSON, but not audit events
  'PG_ERR_INGEST_BAD_REQUEST', // 400: malformed HTTP (e.g. a body shorter than its Content-Length)
  'PG_ERR_INGEST_METHOD', // 405
  'PG_ERR_BUS_UNAVAILABLE', // 503 + Retry-After
  'PG_ERR_BUS_FULL', // 503 + Retry-After
  'PG_ERR_INGEST_BUS_TIMEOUT', // 503 + Retry-After: the bus did not answer within busWriteTimeoutMs
  'PG_ERR_INGEST_INTERNAL', // 500
] as const;

export type IngestErrorCode = (typeof INGEST_ERROR_CODES)[number];

/** Sends an error answer and returns the reply (for `return sendError(...)` in handlers and hooks). */
export function sendError(reply: FastifyReply, status: number, code: IngestErrorCode, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ code, message });
}
