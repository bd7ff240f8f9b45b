/**
 * A small HTTP endpoint for the processes that have no webhook (evaluator, outputs): `/healthz` (the process
 * answers), `/readyz` (every component healthy: 503 with the reasons otherwise) and `/metrics` (Prometheus); and
 * beside them, or on a listener of their own, other routes (the alerts UI, `/ui/`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Component, combineHealth, type Health, parseHostPort, type Registry, renderMetrics } from '@peregrine/core';
import type { HttpRoutes } from '@peregrine/outputs';

/** A listener component; `url()` is where it listens once started (the real port when given port 0). */
export interface HttpListener extends Component {
  url(): string;
}

export function healthServer(
  listen: string, components: () => readonly Component[], registries: readonly Registry[], extra: readonly HttpRoutes[] = [],
): HttpListener {
  return httpListener(`health-server(${listen})`, listen, [healthRoutes(components, registries), ...extra]);
}

/** `/healthz`, `/readyz` and `/metrics`, as routes. */
export function healthRoutes(components: () => readonly Component[], registries: readonly Registry[]): HttpRoutes {
  return {
    handle(req, res) {
      if (req.url !== '/healthz' && req.url !== '/readyz' && req.url !== '/metrics') return false;
      if (req.method !== 'GET') {
        res.writeHead(405).end();
        return true;
      }
      if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (req.url === '/readyz') {
        const h: Health = combineHealth(components());
        res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: h.ok ? 'ready' : 'not ready', detail: h.detail }));
      } else {
        renderMetrics(registries).then(
          (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.body),
          () => res.writeHead(500).end(),
        );
      }
      return true;
    },
    close() {},
  };
}

/** A plain-HTTP server on `listen` that offers each request to `routes` in order; 404 when none takes it. */
export function httpListener(name: string, listen: string, routes: readonly HttpRoutes[]): HttpListener {
  const { host, port } = parseHostPort(listen);
  let server: Server | undefined;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (!routes.some((r) => r.handle(req, res))) res.writeHead(404).end();
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  };
  return {
    name,
    async start() {
      server = createServer(handle);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
    },
    async stop() {
      // Open event streams would hold close() forever: end them first.
      for (const r of routes) r.close();
      await new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
      server?.closeAllConnections();
    },
    health: () => ({ ok: server?.listening ?? false }),
    url() {
      const address = server?.address() as AddressInfo | null | undefined;
      if (!address) return `http://${listen}`;
      return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    },
  };
}
