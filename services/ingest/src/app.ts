/**
 * The ingest service's factory: `buildIngest(config, deps)` wires the webhook, the health endpoints and the metrics
 * into one fastify instance and returns it with its lifecycle Component. The invariant it owns: building has no side
 * effect beyond reading the configured token and certificate files (nothing listens, nothing connects) and refuses a
 * dangerous configuration up front (exposure.ts); `start()` listens, `stop()` stops accepting and lets in-flight
 * requests finish (each answered only after its bus write settles) before resolving.
 *
 * The bus producer is the caller's: start it before this component and stop it after, so that in-flight requests
 * can still be acknowledged while the listener drains (core's startAll/stopAll do this when given
 * `[producer, component]`).
 */
import { fastify, type FastifyInstance, LogController } from 'fastify';
import { type Component, type Health, type Logger, parseHostPort, PeregrineError, type Registry } from '@peregrine/core';
import type { BusProducer } from '@peregrine/kafka';
import { Authenticator } from './auth.js';
import type { IngestConfig } from './config.js';
import { checkExposure, checkResolvesToLoopback } from './exposure.js';
import { healthRoutes } from './health.js';
import { createIngestMetrics } from './metrics.js';
import { auditWebhook } from './routes/audit-webhook.js';
import { loadTls } from './tls.js';

export interface IngestDeps {
  /** Started and stopped by the caller (see above); its optional `ping()` is used by /readyz. */
  readonly producer: BusProducer;
  /** The topic of raw audit bodies. */
  readonly topic: string;
  readonly logger: Logger;
  /** The service's own registry: the ingest metrics are registered on it, and /metrics serves it. */
  readonly registry: Registry;
}

export interface Ingest {
  /** The fastify instance (for inject() in tests, or adding routes before start). */
  readonly app: FastifyInstance;
  readonly component: Component;
  /** The bound address once started (useful with port 0), else undefined. */
  address(): { readonly host: string; readonly port: number } | undefined;
  /**
   * Why this listener is exposed, when it may start only because of `insecure: true`; start() logs it at warn, and a
   * command line should print it too (logs may be filtered above warn). Undefined when the listener is not exposed.
   */
  readonly warning: string | undefined;
  /** Reads the token files again (see Authenticator.reloadTokens); throws PG_ERR_CONFIG and keeps the old tokens. */
  reloadTokens(): number;
}

/** How long /readyz waits for the producer's ping. */
const PING_TIMEOUT_MS = 2_000;

/**
 * Builds the service from a loaded config (`loadConfig(IngestConfig, raw)`). Throws PG_ERR_CONFIG for an unreadable
 * token or certificate file, an unusable certificate, or an exposure the config did not accept (`insecure`).
 * Registers the metrics on `deps.registry`: one buildIngest per registry.
 */
export function buildIngest(config: IngestConfig, deps: IngestDeps): Ingest {
  const { host, port } = parseHostPort(config.listen);
  const tls = loadTls(config.tls);
  const authenticator = new Authenticator(config.auth, { mtls: tls?.mtls ?? false });
  const warning = checkExposure({
    host, tls: tls !== undefined, hasCredentials: authenticator.hasCredentials,
    allowUnauthenticated: config.auth.allowUnauthenticated, insecure: config.insecure,
  });
  const metrics = createIngestMetrics(deps.registry);

  let app: FastifyInstance;
  try {
    const options = {
      loggerInstance: deps.logger,
      // Per-request log lines would carry nothing we want at 10 requests/s per apiserver: the route logs rejections
      // (debug) and bus trouble (warn) itself.
      logController: new LogController({ disableRequestLogging: true }),
      requestTimeout: config.requestTimeoutMs,
      // Only the webhook route takes large bodies (its own bodyLimit); anything else, a 404 included, gets 16 KiB.
      bodyLimit: 16 * 1024,
      // Cluster names may be up to 253 characters (find-my-way's default cap is 100).
      routerOptions: { maxParamLength: 256, ignoreTrailingSlash: true },
      return503OnClosing: true,
      forceCloseConnections: 'idle' as const,
    };
    // The HTTPS instance is typed over https.Server; every route-level type we use is the same for both servers.
    app = (tls ? fastify({ ...options, https: tls.options }) : fastify(options)) as unknown as FastifyInstance;
  } catch (err) {
    throw new PeregrineError('PG_ERR_CONFIG', `cannot set up the ingest listener: ${(err as Error).message}`, { cause: err });
  }

  let state: 'new' | 'starting' | 'serving' | 'stopping' | 'stopped' = 'new';
  let stopped: Promise<void> | undefined;

  void app.register(async (child) => auditWebhook(child, {
    path: config.path,
    maxBodyBytes: config.maxBodyBytes,
    retryAfterSeconds: config.retryAfterSeconds,
    busWriteTimeoutMs: config.busWriteTimeoutMs,
    authenticator,
    producer: deps.producer,
    topic: deps.topic,
    metrics,
    logger: deps.logger,
  }));
  void app.register(async (child) => healthRoutes(child, {
    producer: deps.producer,
    registry: deps.registry,
    serving: () => state === 'serving',
    pingTimeoutMs: PING_TIMEOUT_MS,
  }));

  const component: Component = {
    name: 'ingest-http',
    async start(): Promise<void> {
      if (state !== 'new') throw new Error(`ingest-http: start() called when ${state}`);
      state = 'starting';
      if (warning) deps.logger.warn(warning);
      try {
        await checkResolvesToLoopback(host);
      } catch (err) {
        state = 'stopped';
        throw err;
      }
      try {
        await app.listen({ host, port });
      } catch (err) {
        state = 'stopped';
        throw new PeregrineError('PG_ERR_CONFIG',
          `ingest cannot listen on ${config.listen}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
      }
      state = 'serving';
      deps.logger.info({ address: boundAddress(app), path: config.path, tls: tls !== undefined, mtls: tls?.mtls ?? false },
        'ingest webhook listening');
    },
    stop(): Promise<void> {
      if (stopped === undefined) {
        state = 'stopping';
        // fastify close(): stop accepting, answer 503 to new requests on kept-alive connections, close idle ones, and
        // resolve once the in-flight requests are answered.
        stopped = app.close().then(() => {
          state = 'stopped';
        });
      }
      return stopped;
    },
    health(): Health {
      return state === 'serving' ? { ok: true } : { ok: false, detail: state };
    },
  };

  return {
    app, component, warning, address: () => (state === 'serving' ? boundAddress(app) : undefined),
    reloadTokens: () => authenticator.reloadTokens(),
  };
}

function boundAddress(app: FastifyInstance): { host: string; port: number } | undefined {
  const a = app.server.address();
  return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
}
