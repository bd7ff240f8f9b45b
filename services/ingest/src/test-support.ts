/**
 * Helpers for this package's tests (compiled with the sources, never exported): audit-event fixtures, an HTTP(S)
 * client over real sockets that also reports answers sent before the body was fully written, a bus producer whose
 * acknowledgement the test controls, and a service built on an in-memory bus.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type Component, createRegistry, type Health, loadConfig, PeregrineError, type Registry, silentLogger } from '@peregrine/core';
import { type BusMessage, type BusProducer, MemoryBus } from '@peregrine/kafka';
import { buildIngest, type Ingest } from './app.js';
import { IngestConfig } from './config.js';

export const TOPIC = 'k8s-audit';

/** A Falco-style audit event; `pad` adds a field of that many characters (to control sizes). */
export function auditEvent(i: number, pad = 0, apiVersion = 'audit.k8s.io/v1'): Record<string, unknown> {
  return {
    kind: 'Event', apiVersion, level: 'Request', auditID: `id-${i}`, stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/default/pods/p-${i}`, verb: 'create',
    user: { username: 'system:admin', groups: ['system:masters'] },
    objectRef: { resource: 'pods', namespace: 'default', name: `p-${i}`, apiVersion: 'v1' },
    requestReceivedTimestamp: '2024-05-01T12:00:00.000000Z', stageTimestamp: '2024-05-01T12:00:00.100000Z',
    annotations: { note: `é✓ "q" \\ ${'x'.repeat(pad)}` },
  };
}

export function eventList(items: unknown[], apiVersion = 'audit.k8s.io/v1'): Record<string, unknown> {
  return { kind: 'EventList', apiVersion, metadata: {}, items };
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json(): Record<string, unknown>;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
  /** Send the body in these many chunks without a Content-Length (chunked encoding). */
  readonly chunked?: number;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** One request on a fresh connection. Resolves with the answer even when the server answers before reading the body. */
export function send(url: string, o: RequestOptions = {}): Promise<Answer> {
  const body = typeof o.body === 'string' ? Buffer.from(o.body) : o.body;
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (body && !o.chunked) headers['content-length'] = String(body.length);
  const target = new URL(url);
  const options = {
    method: o.method ?? 'POST', headers, agent: false as const,
    ...(target.protocol === 'https:' ? { ca: o.ca, cert: o.cert, key: o.key, servername: 'localhost' } : {}),
  };
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, options, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> });
      });
      res.on('error', reject);
    });
    req.on('error', (err) => {
      if (!answered) reject(err); // an EPIPE after an early answer (413, 415) is expected: the server stopped reading
    });
    if (body && o.chunked) {
      const size = Math.ceil(body.length / o.chunked);
      for (let at = 0; at < body.length; at += size) req.write(body.subarray(at, at + size));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** POSTs JSON (an object is serialised) with the right content type and optional bearer token. */
export function postJson(url: string, payload: unknown, extra: Omit<RequestOptions, 'body'> & { token?: string } = {}): Promise<Answer> {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(extra.headers ?? {}) };
  if (extra.token !== undefined) headers['authorization'] = `Bearer ${extra.token}`;
  return send(url, { ...extra, headers, body });
}

/** A producer whose send() resolves (or rejects) only when the test says so. */
export class GatedProducer implements BusProducer {
  readonly name = 'gated-producer';
  readonly sends: { topic: string; messages: readonly BusMessage[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  running = true;
  ping: (() => Promise<boolean>) | undefined;

  constructor(readonly maxMessageBytes = 1024 * 1024) {}

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  health(): Health {
    return this.running ? { ok: true } : { ok: false, detail: 'stopped' };
  }

  send(topic: string, messages: readonly BusMessage[]): Promise<void> {
    return new Promise((resolve, reject) => this.sends.push({ topic, messages, resolve, reject }));
  }

  /** Resolves once `count` sends have been made. */
  async waitForSends(count: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sends.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} sends, saw ${this.sends.length}`);
      await delay(5);
    }
  }
}

/** A producer that refuses every send with `code`. */
export function refusingProducer(code: 'PG_ERR_BUS_UNAVAILABLE' | 'PG_ERR_BUS_FULL' | 'PG_ERR_BUS_MESSAGE_TOO_LARGE'): BusProducer {
  return {
    name: 'refusing-producer', maxMessageBytes: 1024 * 1024,
    start: async () => {}, stop: async () => {}, health: () => ({ ok: true }),
    send: async () => { throw new PeregrineError(code, 'refused by the test'); },
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Harness {
  readonly ingest: Ingest;
  readonly url: string;
  readonly registry: Registry;
  readonly producer: BusProducer;
  /** Stops the service and the producer (in that order). */
  close(): Promise<void>;
}

/**
 * Builds and starts ingest on 127.0.0.1 (a free port) over `producer` (default: a started MemoryBus producer).
 * `raw` is the ingest config before loading (defaults filled by loadConfig).
 */
export async function startIngest(raw: Record<string, unknown>, producer: BusProducer = new MemoryBus().producer()): Promise<Harness> {
  const config = loadConfig(IngestConfig, { listen: '127.0.0.1:0', ...raw });
  const registry = createRegistry();
  const ingest = buildIngest(config, { producer, topic: TOPIC, logger: silentLogger(), registry });
  await producer.start();
  await ingest.component.start();
  const { port } = ingest.address()!;
  const scheme = config.tls ? 'https' : 'http';
  const components: Component[] = [producer, ingest.component];
  return {
    ingest, registry, producer, url: `${scheme}://127.0.0.1:${port}`,
    close: async () => {
      for (const c of components.reverse()) await c.stop();
    },
  };
}
