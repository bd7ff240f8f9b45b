/**
 * Liveness, readiness and metrics endpoints. Liveness is "the event loop answers"; readiness is "a 200 from the webhook
 * is possible now": the server is not closing and the bus producer reports healthy (and, when it can, answers a ping).
 * These routes need no credentials (kubelet probes and Prometheus scrape them); they reveal no event data.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from '@peregrine/core';
import type { BusProducer } from '@peregrine/kafka';

/**
 * A producer may offer `ping()`: a round trip to the bus (for Kafka a metadata request) resolving `false` (or
 * rejecting) when the bus does not answer. Readiness uses it when present. Typed here structurally, so that this file
 * does not depend on whether the bus contract declares it.
 */
type MaybePing = { readonly ping?: () => Promise<unknown> };

export interface HealthOptions {
  readonly producer: BusProducer;
  readonly registry: Registry;
  /** Whether the HTTP component is started and not stopping. */
  readonly serving: () => boolean;
  /** Bound on the producer's ping (which should bound itself), so that a hung bus fails the probe, never hangs it. */
  readonly pingTimeoutMs: number;
}

export function healthRoutes(app: FastifyInstance, o: HealthOptions): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const problem = await notReady(o);
    if (problem === undefined) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', detail: problem });
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await o.registry.metrics();
    return reply.type(o.registry.contentType).send(body);
  });
}

async function notReady(o: HealthOptions): Promise<string | undefined> {
  if (!o.serving()) return 'ingest is not serving';
  const health = o.producer.health();
  if (!health.ok) return `bus producer: ${health.detail ?? 'not healthy'}`;
  const producer = o.producer as BusProducer & MaybePing;
  if (typeof producer.ping !== 'function') return undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      Promise.resolve().then(() => producer.ping!()),
      new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), o.pingTimeoutMs); }),
    ]);
    if (outcome === 'timeout') return `bus producer: no answer to ping within ${o.pingTimeoutMs} ms`;
    return outcome === false ? 'bus producer: the bus does not answer' : undefined;
  } catch (err) {
    // A producer whose ping rejects is not ready; the probe must not crash on it.
    return `bus producer: ping failed${isCoded(err) ? ` (${err.code})` : ''}`;
  } finally {
    clearTimeout(timer);
  }
}

function isCoded(err: unknown): err is { code: string } {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string';
}
