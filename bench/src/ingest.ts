/**
 * Bench: the ingest webhook under load from a second process (wrk, 127.0.0.1 only), EventList bodies of 100 events.
 * Three variants, each served by its own child process (lib/ingest-server.ts), measured in interleaved rounds:
 *
 *   memory      the real route (scan, no parse) -> in-memory bus, drained in that process so it never fills
 *   kafka       the real route -> Kafka (the mock broker), drained by a consumer process at nice 19
 *   json-parse  the same route with JSON.parse of the body instead of the scan -> in-memory bus (bench-only route,
 *               served by the `memory` process: same server, same bus, only the parse differs)
 *
 * Target ratio `ingestRawVsJsonParse` = events/s(memory) / events/s(json-parse), >= 5.
 *
 *   node bench/dist/ingest.js [--quick] [--seconds N] [--save TAG]
 *
 * Invariants: load only to 127.0.0.1; bounded (wrk runs for a fixed time); every server process is stopped by pid
 * at the end, the broker too; a non-2xx answer never counts as ingested events.
 */
import { setPriority } from 'node:os';
import { buildMockBroker, type MockBroker, startMockBroker } from '@peregrine/testkit';
import { type BenchOptions, type BenchResult, machine, type Row } from './results.js';
import { benchMain, isEntryPoint } from './lib/cli.js';
import { benchEvents, EVENT_SOURCE, eventListBodies } from './lib/events.js';
import type { IngestServerArgs } from './lib/ingest-server.js';
import { libScript } from './lib/paths.js';
import { type Child, startNode } from './lib/proc.js';
import { interleaved, medianOf } from './lib/rounds.js';
import { haveWrk, runWrk, type WrkResult } from './lib/wrk.js';

export type IngestVariant = 'memory' | 'kafka' | 'json-parse';

export interface IngestBenchOptions extends BenchOptions {
  /** Default all three; `kafka` is left out (with a note) when the mock broker cannot be built here. */
  readonly variants?: readonly IngestVariant[];
  /** Rounds; default 3 (quick) or 5. */
  readonly rounds?: number;
  /** wrk connections; default 16. */
  readonly connections?: number;
  /** One uncounted run of each variant first (JIT, connections); default true. */
  readonly warmUp?: boolean;
}

/** The target: ingest without parsing takes at least 5x the events/s of the same route with JSON.parse. */
export const TARGETS = { ingestRawVsJsonParse: 5 } as const;

const TOPIC = 'audit';
const JSON_PARSE_PATH = '/bench/json-parse';
/** Requests go to <path>/<cluster> in turn: the cluster is the bus key, so Kafka partitions share the load. */
const CLUSTERS = Array.from({ length: 16 }, (_, i) => `c${i}`);

/** Measures; prints nothing and writes nothing (see lib/cli.ts). */
export async function run(options: IngestBenchOptions): Promise<BenchResult> {
  if (!haveWrk()) throw new Error('the ingest bench needs wrk: apt-get install -y wrk');
  const notes: string[] = [];
  let variants = options.variants ?? ['memory', 'kafka', 'json-parse'];
  if (variants.includes('kafka')) {
    const built = buildMockBroker();
    if (!built.ok) {
      variants = variants.filter((v) => v !== 'kafka');
      notes.push(`kafka variant skipped: ${built.reason.split('\n')[0]} (apt-get install librdkafka-dev gcc)`);
    }
  }
  const rounds = options.rounds ?? (options.quick ? 3 : 5);
  const seconds = Math.max(1, Math.round(options.seconds));
  const connections = options.connections ?? 16;

  const events = benchEvents(800, 2);
  const bodies = eventListBodies(events, 100);
  const eventsPerBody = events.length / bodies.length;
  const bodyBytes = bodies.reduce((a, b) => a + Buffer.byteLength(b), 0) / bodies.length;

  const stack: (() => Promise<void>)[] = [];
  try {
    const origins = new Map<IngestVariant, { origin: string; path: string }>();
    let drainedNow = () => 0;
    if (variants.includes('memory') || variants.includes('json-parse')) {
      const server = await startServer({ bus: 'memory', topic: TOPIC, jsonParsePath: JSON_PARSE_PATH });
      stack.push(() => server.child.stop());
      origins.set('memory', { origin: new URL(server.url).origin, path: new URL(server.url).pathname });
      origins.set('json-parse', { origin: new URL(server.url).origin, path: JSON_PARSE_PATH });
    }
    if (variants.includes('kafka')) {
      const broker: MockBroker = await startMockBroker({ topics: [{ name: TOPIC, partitions: 16 }] });
      stack.push(() => broker.stop());
      // The mock keeps ~5 MB per partition and drops older data silently: a consumer drains while we produce, in a
      // process of its own at the lowest priority (lib/kafka-drain.ts says why).
      const drain = startNode(libScript('kafka-drain.js'), [JSON.stringify({ brokers: broker.bootstrap, topic: TOPIC })]);
      stack.push(() => drain.stop());
      setPriority(drain.pid, 19);
      drainedNow = () => Number(/drained (\d+)/.exec(drain.lines(/^drained /).at(-1) ?? '')?.[1] ?? 0);
      const server = await startServer({ bus: 'kafka', topic: TOPIC, brokers: broker.bootstrap });
      stack.push(() => server.child.stop());
      origins.set('kafka', { origin: new URL(server.url).origin, path: new URL(server.url).pathname });
      await joined(server.url, bodies[0]!, () => drainedNow());
    }

    const load = (v: IngestVariant, s: number) => {
      const o = origins.get(v)!;
      return runWrk({ origin: o.origin, paths: CLUSTERS.map((c) => `${o.path}/${c}`), bodies, connections, seconds: s });
    };
    // Warm-up (JIT, connection pools, the broker's partitions): one short run of each, not counted.
    if (options.warmUp ?? true) for (const v of variants) await load(v, 1);
    const drainedBefore = drainedNow();
    const samples = await interleaved(variants, rounds, (v) => load(v, seconds));

    const eps = (r: WrkResult) => ((r.requests - r.badStatus) * eventsPerBody) / r.seconds;
    const rows: Row[] = variants.map((v, i) => {
      const s = samples[i]!;
      return {
        variant: v === 'json-parse' ? 'json-parse (same route + JSON.parse)' : `${v} (the webhook route)`,
        'events/s': Math.round(medianOf(s, eps)),
        'MB/s': medianOf(s, (r) => ((r.requests - r.badStatus) * bodyBytes) / r.seconds / 1e6),
        'p50 ms': medianOf(s, (r) => r.p50Ms),
        'p99 ms': medianOf(s, (r) => r.p99Ms),
        'non-2xx': s.reduce((a, r) => a + r.badStatus, 0),
        'socket errors': s.reduce((a, r) => a + r.socketErrors, 0),
      };
    });
    // The ratio is the median of per-round ratios (both variants measured in the same round), as in the README.
    const samplesOf = (v: IngestVariant) => (variants.includes(v) ? samples[variants.indexOf(v)]! : undefined);
    const raw = samplesOf('memory');
    const parsed = samplesOf('json-parse');
    const ratios: Record<string, number> = {};
    if (raw && parsed) ratios['ingestRawVsJsonParse'] = medianOf(raw.map((r, i) => eps(r) / eps(parsed[i]!)), (x) => x);
    if (variants.includes('kafka')) {
      const k = variants.indexOf('kafka');
      const accepted = samples[k]!.reduce((a, r) => a + r.requests - r.badStatus, 0);
      await new Promise((r) => setTimeout(r, 1500));
      notes.push(`kafka: the drain (a consumer process at nice 19) received ${drainedNow() - drainedBefore} messages while ${accepted} bodies were accepted in the measured runs; the mock broker drops what a partition holds beyond ~5 MB`);
    }
    notes.unshift(`wrk -t1 -c${connections}, ${seconds} s per run, medians of ${rounds} interleaved rounds; bodies: ${bodies.length} EventLists of ${eventsPerBody} events, ${Math.round(bodyBytes / 1024)} KiB average, generated (seed 2)`);
    return {
      bench: 'ingest',
      machine: machine(),
      settings: { quick: options.quick, seconds, rounds, connections, variants, eventSource: EVENT_SOURCE, eventsPerBody, bodyBytes: Math.round(bodyBytes) },
      rows,
      ratios,
      notes,
    };
  } finally {
    for (const undo of stack.reverse()) await undo().catch(() => undefined);
  }
}

async function startServer(args: IngestServerArgs): Promise<{ url: string; child: Child }> {
  const child = startNode(libScript('ingest-server.js'), [JSON.stringify(args)]);
  try {
    const line = await child.waitFor(/^\{"url"/, 30_000);
    return { url: (JSON.parse(line) as { url: string }).url, child };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** Posts one body, then waits until the drain consumer has seen it: its group has joined (~3 s on the mock) before load. */
async function joined(url: string, body: string, drained: () => number): Promise<void> {
  const deadline = Date.now() + 30_000;
  const before = drained();
  const res = await fetch(`${url}/warmup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (res.status !== 200) throw new Error(`kafka ingest answered ${res.status} to the warm-up request`);
  while (drained() === before) {
    if (Date.now() > deadline) throw new Error('the drain consumer did not receive the warm-up request within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

if (isEntryPoint(import.meta.url)) await benchMain(run);
