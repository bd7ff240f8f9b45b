/**
 * The audit webhook: `POST <path>` and `POST <path>/:cluster`, what a kube-apiserver's `--audit-webhook-config-file`
 * points at. The invariant it owns: **200 means the bus holds every event of the body** (producer.send resolved); any
 * other answer means nothing of this request is to be considered delivered, and the apiserver retries it (it retries
 * every non-2xx, up to 5 attempts). So bus trouble is a 503 with Retry-After, never a 200 with a drop.
 *
 * Order of checks, cheapest and most sensitive first, all but the last before a byte of the body is read:
 *
 *   405 method -> 401/403 credentials (auth.ts) -> 400 cluster name -> 415 content type/encoding
 *   -> 413 body size (fastify bodyLimit, from Content-Length or while reading)
 *   -> 400 JSON / audit shape (audit-scan.ts) -> 413 an event above the bus message limit (split.ts) -> bus write
 *
 * The body is never parsed into objects here: the content-type parser hands over the raw Buffer, which goes to the
 * bus as it came when it fits in one message (split.ts otherwise). Bodies and tokens are never logged.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isPeregrineError, type Logger } from '@peregrine/core';
import { type BusMessage, type BusProducer, HEADER_CLUSTER, HEADER_CONTENT_TYPE, HEADER_RECEIVED_AT } from '@peregrine/kafka';
import { TRAILING_DATA_MESSAGE } from '../audit-scan.js';
import { scanAuditBody } from '../audit-scan-fast.js';
import { scanJsonLines } from '../json-lines.js';
import type { Authenticator } from '../auth.js';
import { type IngestErrorCode, sendError } from '../errors.js';
import type { IngestMetrics, RejectReason } from '../metrics.js';
import { packEvents } from '../split.js';

export interface AuditWebhookOptions {
  readonly path: string;
  readonly maxBodyBytes: number;
  readonly retryAfterSeconds: number;
  readonly busWriteTimeoutMs: number;
  readonly authenticator: Authenticator;
  readonly producer: BusProducer;
  readonly topic: string;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
}

interface RequestContext {
  readonly cluster: string;
  readonly principal: string;
  readonly receivedAt: Date;
}

type ClusterRequest = FastifyRequest<{ Params: { cluster?: string } }>;

const OTHER_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
const EMPTY = Buffer.alloc(0);
const BUS_TIMEOUT = Symbol('bus write timeout');

/**
 * Registers the webhook routes on `app`, which must be an encapsulated context of its own (register it as a plugin):
 * it replaces the content-type parsers and the error handler of that context.
 */
export function auditWebhook(app: FastifyInstance, o: AuditWebhookOptions): void {
  const contexts = new WeakMap<FastifyRequest, RequestContext>();

  // Every content type reaches the route as a Buffer: the route decides (415) in onRequest, before the body is read,
  // and fastify's JSON parser (which would build the objects we are here to avoid) never runs.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: o.maxBodyBytes }, (_req, body, done) => done(null, body));

  app.addHook('onResponse', async (_req, reply) => {
    o.metrics.requests.inc({ status: String(reply.statusCode) });
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reject(req, reply, 413, 'PG_ERR_INGEST_BODY_TOO_LARGE', 'body_too_large',
        `the body is larger than the limit of ${o.maxBodyBytes} bytes`);
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      // Malformed HTTP: a body shorter than its Content-Length, an aborted upload. Fastify's messages quote no data.
      return reject(req, reply, err.statusCode, 'PG_ERR_INGEST_BAD_REQUEST', 'bad_request', err.message);
    }
    o.logger.error({ err, cluster: contexts.get(req)?.cluster }, 'ingest request failed');
    return reject(req, reply, 500, 'PG_ERR_INGEST_INTERNAL', 'internal', 'internal error');
  });

  function reject(
    req: FastifyRequest, reply: FastifyReply, status: number, code: IngestErrorCode, reason: RejectReason, message: string,
  ): FastifyReply {
    o.metrics.rejected.inc({ reason });
    const ctx = contexts.get(req);
    o.logger.debug({ status, reason, cluster: ctx?.cluster, principal: ctx?.principal, remote: req.ip }, 'audit request rejected');
    if (status === 503) reply.header('retry-after', String(o.retryAfterSeconds));
    return sendError(reply, status, code, message);
  }

  async function admit(req: ClusterRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const receivedAt = new Date();
    const decision = o.authenticator.authenticate(req.headers.authorization, req.raw.socket, req.params.cluster);
    if (!decision.ok) {
      if (decision.status === 401) reply.header('www-authenticate', 'Bearer realm="peregrine-ingest"');
      return reject(req, reply, decision.status, decision.code, decision.reason, decision.message);
    }
    contexts.set(req, { cluster: decision.cluster, principal: decision.principal, receivedAt });
    // Falco's k8saudit checks that the type *contains* application/json; we do the same, case-insensitively.
    const type = req.headers['content-type'];
    if (type === undefined || !type.toLowerCase().includes('application/json')) {
      return reject(req, reply, 415, 'PG_ERR_INGEST_CONTENT_TYPE', 'content_type', 'the content type must be application/json');
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      return reject(req, reply, 415, 'PG_ERR_INGEST_CONTENT_TYPE', 'content_type', 'content encodings are not supported');
    }
    return undefined;
  }

  async function accept(req: ClusterRequest, reply: FastifyReply): Promise<FastifyReply> {
    const ctx = contexts.get(req)!;
    const body = (req.body as Buffer | undefined) ?? EMPTY;
    // Event ranges are needed only to split a body too large for one bus message.
    let scan = scanAuditBody(body, { ranges: body.length > o.producer.maxMessageBytes });
    if (!scan.ok && scan.message.includes(TRAILING_DATA_MESSAGE)) scan = scanJsonLines(body);
    if (!scan.ok) {
      return scan.kind === 'json'
        ? reject(req, reply, 400, 'PG_ERR_INGEST_INVALID_JSON', 'invalid_json', scan.message)
        : reject(req, reply, 400, 'PG_ERR_INGEST_NOT_AUDIT', 'not_audit', scan.message);
    }
    if (scan.count === 0) return reply.code(200).send({ events: 0, messages: 0 });

    const packed = packEvents(body, scan, o.producer.maxMessageBytes);
    if (!packed.ok) {
      // Nothing downstream could carry this event, so retrying cannot help; the whole body is refused (accepting the
      // rest would make a 2xx mean "some of it"), and the count tells the operator to raise the bus limit.
      return reject(req, reply, 413, 'PG_ERR_INGEST_EVENT_TOO_LARGE', 'event_too_large',
        `audit event #${packed.eventIndex} is ${packed.eventBytes} bytes, more than the bus message limit of ${o.producer.maxMessageBytes}`);
    }

    const headers = {
      [HEADER_CLUSTER]: ctx.cluster,
      [HEADER_CONTENT_TYPE]: 'application/json',
      [HEADER_RECEIVED_AT]: ctx.receivedAt.toISOString(),
    };
    // No key: messages spread over the partitions, so that N evaluators share even ONE cluster's traffic (a key per
    // cluster would pin a cluster to one partition, read by one worker of one evaluator). Nothing downstream needs a
    // cluster's events in order: every rule judges one event, and alert ids do not depend on order.
    const messages: BusMessage[] = packed.values.map((value) => ({ value, headers }));
    const started = performance.now();
    try {
      await sendWithin(o.producer, o.topic, messages, o.busWriteTimeoutMs);
    } catch (err) {
      return busFailure(req, reply, err);
    } finally {
      o.metrics.busWriteSeconds.observe((performance.now() - started) / 1000);
    }
    o.metrics.events.inc(scan.count);
    o.metrics.bytes.inc(body.length);
    o.metrics.messages.inc(messages.length);
    if (packed.split) o.metrics.splitBodies.inc();
    if (packed.truncated > 0) {
      o.metrics.truncatedEvents.inc(packed.truncated);
      o.logger.warn({ cluster: ctx.cluster, truncated: packed.truncated, limit: o.producer.maxMessageBytes },
        'audit events over the bus message limit stored without their request and response objects');
    }
    return reply.code(200).send({ events: scan.count, messages: messages.length });
  }

  function busFailure(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
    const cluster = contexts.get(req)?.cluster;
    if (err === BUS_TIMEOUT) {
      o.logger.warn({ cluster, timeoutMs: o.busWriteTimeoutMs }, 'the bus did not acknowledge in time: answered 503');
      return reject(req, reply, 503, 'PG_ERR_INGEST_BUS_TIMEOUT', 'bus_timeout', 'the bus did not acknowledge in time; retry later');
    }
    if (isPeregrineError(err, 'PG_ERR_BUS_UNAVAILABLE') || isPeregrineError(err, 'PG_ERR_BUS_FULL')) {
      o.logger.warn({ cluster, code: err.code, detail: err.message }, 'the bus cannot take audit events now: answered 503');
      const full = err.code === 'PG_ERR_BUS_FULL';
      return reject(req, reply, 503, full ? 'PG_ERR_BUS_FULL' : 'PG_ERR_BUS_UNAVAILABLE', full ? 'bus_full' : 'bus_unavailable',
        full ? 'the bus is over capacity; retry later' : 'the bus is unavailable; retry later');
    }
    // PG_ERR_BUS_MESSAGE_TOO_LARGE cannot happen for values within producer.maxMessageBytes: if it does, the producer
    // misreports its limit, which is ours to fix, not the client's.
    o.logger.error({ err, cluster }, 'the bus refused audit events');
    return reject(req, reply, 500, 'PG_ERR_INGEST_INTERNAL', 'internal', 'internal error');
  }

  async function notAllowed(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    reply.header('allow', 'POST');
    return sendError(reply, 405, 'PG_ERR_INGEST_METHOD', `${req.method} method not allowed`);
  }

  for (const url of [o.path, `${o.path}/:cluster`]) {
    app.route<{ Params: { cluster?: string } }>({
      method: 'POST', url, bodyLimit: o.maxBodyBytes, onRequest: admit, handler: accept,
    });
    // Answered in onRequest, so that a body sent with a wrong method is never read.
    app.route({ method: [...OTHER_METHODS], url, exposeHeadRoute: false, onRequest: notAllowed, handler: notAllowed });
  }
}

/** producer.send bounded by `timeoutMs`; rejects with BUS_TIMEOUT then (the send itself may still complete later). */
async function sendWithin(producer: BusProducer, topic: string, messages: readonly BusMessage[], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, rejectTimeout) => {
    timer = setTimeout(() => rejectTimeout(BUS_TIMEOUT), timeoutMs);
  });
  try {
    // Promise.resolve().then(): a producer that throws synchronously is handled like one that rejects.
    await Promise.race([Promise.resolve().then(() => producer.send(topic, messages)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
