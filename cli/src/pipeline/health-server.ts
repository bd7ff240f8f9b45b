/**
 * A small HTTP endpoint for the processes that have no webhook (evaluator, outputs): `/healthz` (the process
 * answers), `/readyz` (every component healthy: 503 with the reasons otherwise) and `/metrics` (Prometheus).
 */
import { createServer, type Server } from 'node:http';
import { type Component, combineHealth, type Health, parseHostPort, type Registry, renderMetrics } from '@peregrine/core';

export function healthServer(listen: string, components: () => readonly Component[], registries: readonly Registry[]): Component {
  const { host, port } = parseHostPort(listen);
  let server: Server | undefined;
  return {
    name: `health-server(${listen})`,
    async start() {
      server = createServer((req, res) => {
        void (async () => {
          if (req.method !== 'GET') {
            res.writeHead(405).end();
            return;
          }
          if (req.url === '/healthz') {
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
          } else if (req.url === '/readyz') {
            const h: Health = combineHealth(components());
            res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' })
              .end(JSON.stringify({ status: h.ok ? 'ready' : 'not ready', detail: h.detail }));
          } else if (req.url === '/metrics') {
            const m = await renderMetrics(registries);
            res.writeHead(200, { 'content-type': m.contentType }).end(m.body);
          } else {
            res.writeHead(404).end();
          }
        })().catch(() => res.writeHead(500).end());
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
    },
    async stop() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server?.closeAllConnections();
    },
    health: () => ({ ok: server?.listening ?? false }),
  };
}
