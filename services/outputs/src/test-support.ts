/**
 * Helpers for this package's tests (not exported from the package): alerts in the exact shape the evaluator
 * produces, a running outputs service on a MemoryBus, real HTTP(S) receivers on 127.0.0.1, polling, and metric
 * reads. Everything started here is stopped through `t.after`.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { TestContext } from 'node:test';
import { type Component, createLogger, createRegistry, type Registry, startAll, stopAll } from '@peregrine/core';
import { type BusConsumer, type BusProducer, HEADER_CLUSTER, MemoryBus, type ReceivedMessage } from '@peregrine/kafka';
import { type Alert, alertToJson } from '@peregrine/rule-engine';
import { loadOutputsConfig } from './config.js';
import { buildOutputs } from './service.js';
import type { AlertStore } from './ui/store.js';

export const ALERTS_TOPIC = 'alerts';
export const DEAD_LETTER_TOPIC = 'dead-letter';

/** Beyond 2^53: proves that delivery keeps the producer's digits. */
export const EVT_TIME = 1540476552581541123n;

let counter = 0;

/** An alert as `buildAlert` makes it; ids are unique per call unless given. */
export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  const n = ++counter;
  return {
    cluster: 'prod',
    hostname: 'peregrine-test',
    id: `alert-${n.toString().padStart(6, '0')}`,
    output: `14:09:12.581541123: Warning Pod started with privileged container (user=alice pod=nginx-${n} ns=default)`,
    output_fields: { 'evt.time': EVT_TIME, 'ka.target.namespace': 'default', 'ka.user.name': 'alice' },
    priority: 'Warning',
    rule: 'Create Privileged Pod',
    source: 'k8s_audit',
    tags: ['k8s'],
    time: '2018-10-25T14:09:12.581541123Z',
    ...overrides,
  };
}

export interface Harness {
  readonly bus: MemoryBus;
  readonly producer: BusProducer;
  readonly consumer: BusConsumer;
  readonly registry: Registry;
  readonly components: Component[];
  /** Everything stdout sinks wrote. */
  stdoutText(): string;
  /** Everything the service logged (pino JSON lines, debug and up). */
  logs(): string;
  /** Publishes alerts (key = id, cluster header) to the alerts topic. */
  publish(alerts: readonly Alert[]): Promise<void>;
  /** Publishes raw values (e.g. invalid JSON). */
  publishRaw(values: readonly string[], key?: string): Promise<void>;
  deadLetters(): ReceivedMessage[];
  lag(): Promise<number>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Start the service right away (default true). */
  readonly start?: boolean;
  readonly partitions?: number;
  readonly maxBatchMessages?: number;
  /** The alerts UI's store, fed by the service like in production. */
  readonly recent?: AlertStore;
}

/** A MemoryBus, a started producer (the caller's, as in production), and the outputs service built from `rawConfig`. */
export async function startOutputs(t: TestContext, rawConfig: unknown, options: HarnessOptions = {}): Promise<Harness> {
  const bus = new MemoryBus({ partitions: options.partitions ?? 2, retryBackoffMs: 20 });
  const producer = bus.producer();
  await producer.start();
  const consumer = bus.consumer({ groupId: 'outputs', topics: [ALERTS_TOPIC], maxBatchMessages: options.maxBatchMessages });
  const registry = createRegistry();
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
  const logStream = new PassThrough();
  let logText = '';
  logStream.on('data', (chunk: Buffer) => { logText += chunk.toString('utf8'); });
  const logger = createLogger({ name: 'outputs-test', level: 'debug', destination: logStream });
  const components = buildOutputs(loadOutputsConfig(rawConfig), {
    consumer, producer, deadLetterTopic: DEAD_LETTER_TOPIC, logger, registry, stdout, recent: options.recent,
  });
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= stopAll(components, logger, 10_000).then(() => producer.stop());
    return stopped;
  };
  t.after(stop);
  if (options.start ?? true) await startAll(components, logger);
  return {
    bus, producer, consumer, registry, components, stop,
    stdoutText: () => text,
    logs: () => logText,
    publish: (alerts) => producer.send(ALERTS_TOPIC, alerts.map((a) => ({
      key: a.id, value: Buffer.from(alertToJson(a)), headers: { [HEADER_CLUSTER]: a.cluster },
    }))),
    publishRaw: (values, key) => producer.send(ALERTS_TOPIC, values.map((v) => ({ key, value: Buffer.from(v) }))),
    deadLetters: () => bus.peek(DEAD_LETTER_TOPIC),
    lag: async () => (await consumer.lag()) ?? Number.NaN,
  };
}

/** Polls `check` every 10 ms until it returns true; fails after `timeoutMs` naming `what`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The sum of a metric's values whose labels include `labels`. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return (values as { value: number; labels: object; metricName?: string }[])
    // Histograms: count observations (`_count`), not buckets or sums.
    .filter((v) => !/_(bucket|sum)$/.test(v.metricName ?? name))
    .filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l))
    .reduce((a, v) => a + v.value, 0);
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The status answered, or 'hang' for a request left without an answer. */
  status: number | 'hang';
}

/** How a receiver answers the n-th request (0-based): a status, or 'hang' (never answer). */
export type Responder = (request: RecordedRequest, n: number) => number | 'hang' | Promise<number | 'hang'>;

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Bodies of the requests answered 2xx. */
  delivered(): string[];
  close(): Promise<void>;
}

export interface ReceiverOptions {
  readonly port?: number;
  /** HTTPS with this key/cert; `ca` + `requestCert` for mutual TLS. */
  readonly tls?: { key: Buffer; cert: Buffer; ca?: Buffer; requestCert?: boolean };
  readonly path?: string;
}

/** A real HTTP(S) server on 127.0.0.1 that records every request and answers with `respond` (default 200). */
export async function startReceiver(t: TestContext, respond: Responder = () => 200, options: ReceiverOptions = {}): Promise<Receiver> {
  const requests: RecordedRequest[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status: 0,
      };
      const n = requests.length;
      requests.push(recorded);
      void Promise.resolve(respond(recorded, n)).then((status) => {
        recorded.status = status;
        if (status === 'hang') return;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status < 300 ? '{}' : '{"error":"test"}');
      });
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({
      key: options.tls.key, cert: options.tls.cert, ca: options.tls.ca,
      requestCert: options.tls.requestCert ?? false, rejectUnauthorized: options.tls.requestCert ?? false,
    }, handler)
    : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  t.after(close);
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}${options.path ?? '/'}`,
    port,
    requests,
    delivered: () => requests.filter((r) => typeof r.status === 'number' && r.status >= 200 && r.status < 300).map((r) => r.body),
    close,
  };
}

/** A port that was free a moment ago (for a receiver that starts later). */
export async function freePort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
