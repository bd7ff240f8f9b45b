/**
 * Child process of the ingest bench: the ingest service (buildIngest, the real webhook route) on one bus, alone in
 * its process so that the load generator (wrk, another process) and the Kafka drain (the bench process) never share
 * its event loop. The in-memory variant drains its bus in this process (the memory bus lives here), with a consumer
 * that only commits, so the bus never fills and no 503 is measured instead of ingest.
 *
 *   node bench/dist/lib/ingest-server.js '{"bus":"memory","topic":"audit","jsonParsePath":"/bench/json-parse"}'
 *   node bench/dist/lib/ingest-server.js '{"bus":"kafka","brokers":["127.0.0.1:9092"],"topic":"audit"}'
 *
 * Prints one JSON line `{"url":..., "jsonParseUrl":..., "pid":...}` once listening; exits when stdin closes (so a
 * crashed bench leaves no server behind) or on SIGTERM.
 */
import { createRegistry, loadConfig, silentLogger, startAll, stopAll, type Component } from '@peregrine/core';
import { buildIngest, IngestConfig } from '@peregrine/ingest';
import { type Bus, KafkaBus, MemoryBus } from '@peregrine/kafka';
import { isEntryPoint } from './cli.js';
import { registerJsonParseRoute } from './json-parse-route.js';
import { mockKafkaConfig } from './mock-kafka.js';

/** What the bench passes as the first argument (JSON). */
export interface IngestServerArgs {
  readonly bus: 'memory' | 'kafka';
  readonly topic: string;
  readonly brokers?: readonly string[];
  /** Also serve the bench-only JSON.parse route at this path. */
  readonly jsonParsePath?: string;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as IngestServerArgs;
  const logger = silentLogger();
  const bus: Bus = args.bus === 'kafka' ? new KafkaBus(mockKafkaConfig(args.brokers ?? []), logger) : new MemoryBus({ partitions: 4 });
  const producer = bus.producer();
  const config = loadConfig(IngestConfig, { listen: '127.0.0.1:0', auth: { allowUnauthenticated: true } }) as IngestConfig;
  const ingest = buildIngest(config, { producer, topic: args.topic, logger, registry: createRegistry() });
  if (args.jsonParsePath) {
    registerJsonParseRoute(ingest, { path: args.jsonParsePath, producer, topic: args.topic, maxBodyBytes: config.maxBodyBytes });
  }
  const components: Component[] = [producer, ingest.component];
  if (bus instanceof MemoryBus) {
    const drain = bus.consumer({ groupId: 'bench-drain', topics: [args.topic], maxBatchMessages: 1000 });
    drain.onBatch(async () => undefined);
    components.unshift(drain);
  }
  await startAll(components, logger);
  const a = ingest.address()!;
  const base = `http://${a.host}:${a.port}`;
  process.stdout.write(`${JSON.stringify({
    url: `${base}${config.path}`, jsonParseUrl: args.jsonParsePath ? `${base}${args.jsonParsePath}` : undefined, pid: process.pid,
  })}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void stopAll(components, logger, 5000).finally(() => process.exit(0));
  };
  process.stdin.on('end', stop).on('close', stop).resume();
  process.on('SIGTERM', stop);
}

if (isEntryPoint(import.meta.url)) await main();
