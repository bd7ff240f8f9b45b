/**
 * Deterministic, realistic Kubernetes audit events for benchmarks: a stream of complete `audit.k8s.io/v1` Events
 * with the request mix, identities, bodies and sizes of a production cluster (see bench/README.md, "audit event
 * generator", for where the mix comes from), plus the two wire shapes the pipeline receives them in (JSON lines as in
 * an audit log file, EventList bodies of 100 or 400 events as the apiserver's webhook batches them).
 *
 *   clock ──► next request time (exponential gaps, ~100 events/s)
 *              │ pending later stages (watch/exec ResponseComplete) due before it? emit those first
 *              ▼
 *   scenario table (weights) ──► ApiRequest ──► one Event per stage (same auditID), later stages queued by time
 *
 * Invariants: same seed => the same events, byte for byte (one PRNG, no clock, no Math.random, fixed key order);
 * auditIDs are unique per request (random 122 bits; a request's stages share one, as in real logs); stageTimestamp
 * strictly increases along the stream.
 */
import { percentile } from '../results.js';
import { buildCluster, type Cluster } from './cluster.js';
import { type ApiRequest, auditEvent, isoMicros, type Stage } from './envelope.js';
import { Rng } from './prng.js';
import { ROUTINE, type Scenario } from './scenarios.js';
import { SUSPICIOUS } from './suspicious.js';

/** A decoded audit Event as the apiserver sends it (plain JSON). */
export type AuditEventJson = Record<string, unknown>;

/** Every scenario with its weight (share of requests, percent), routine first: the documented mix. */
export const SCENARIOS: readonly Scenario[] = [...ROUTINE, ...SUSPICIOUS];

export interface GenerateOptions {
  /** Mean arrival rate; only spaces the timestamps. Default 100 events/s (one production EKS cluster, falco#1619). */
  readonly eventsPerSecond?: number;
  /** Time of the first event, microseconds since the epoch. Default 2024-06-03T08:00:00Z. */
  readonly startUs?: number;
}

/** One generated event and the scenario that produced it (for the mix statistics). */
export interface GeneratedEvent {
  readonly event: AuditEventJson;
  readonly scenario: string;
  readonly suspicious: boolean;
}

interface Pending {
  readonly request: ApiRequest;
  readonly scenario: Scenario;
  readonly auditID: string;
  readonly stage: Stage;
  readonly receivedUs: number;
  readonly atUs: number;
  readonly code: number;
}

const DEFAULT_START_US = Date.UTC(2024, 5, 3, 8, 0, 0) * 1000;
const WEIGHTS = SCENARIOS.map((s) => [s, s.weight] as const);

/**
 * An endless stream of events for one seed. Iterate it, or call `generateEvents` for a fixed count; the first N
 * events of a stream are the same whatever is read after them.
 */
export function* streamEvents(seed: number, options: GenerateOptions = {}): Generator<GeneratedEvent, never> {
  const rng = new Rng(seed);
  const cluster: Cluster = buildCluster(rng);
  const meanGapUs = 1_000_000 / (options.eventsPerSecond ?? 100);
  let lastUs = options.startUs ?? DEFAULT_START_US;
  let nextRequestUs = lastUs;
  const pending: Pending[] = []; // sorted by atUs

  const emit = (p: Pending): GeneratedEvent => {
    lastUs = Math.max(p.atUs, lastUs + 1);
    const event = auditEvent(p.request, p.auditID, p.stage, p.receivedUs, lastUs, p.code);
    return { event, scenario: p.scenario.name, suspicious: p.scenario.suspicious === true };
  };

  for (;;) {
    while (pending.length > 0 && pending[0]!.atUs <= nextRequestUs) yield emit(pending.shift()!);
    const scenario = rng.weighted(WEIGHTS);
    const now = Math.max(nextRequestUs, lastUs + 1);
    const request = scenario.make({ rng, cluster, now: isoMicros(now) });
    const auditID = rng.uuid();
    const stages = request.stages ?? [{ stage: 'ResponseComplete' as const, atUs: 0 }];
    const receivedUs = now - request.receivedAgoUs;
    for (const s of stages) {
      const p: Pending = { request, scenario, auditID, stage: s.stage, receivedUs, atUs: now + s.atUs, code: s.code ?? request.code };
      if (s.atUs === 0) yield emit(p);
      else insertSorted(pending, p);
    }
    nextRequestUs = now + Math.max(1, Math.round(rng.exponential(meanGapUs)));
  }
}

function insertSorted(queue: Pending[], p: Pending): void {
  let i = queue.length;
  while (i > 0 && queue[i - 1]!.atUs > p.atUs) i--;
  queue.splice(i, 0, p);
}

/** The first `count` events of the stream for `seed`. */
export function generateEvents(count: number, seed: number, options: GenerateOptions = {}): AuditEventJson[] {
  return generateWithScenarios(count, seed, options).map((g) => g.event);
}

/** As `generateEvents`, with each event's scenario (for `--stats` and tests of the mix). */
export function generateWithScenarios(count: number, seed: number, options: GenerateOptions = {}): GeneratedEvent[] {
  const out: GeneratedEvent[] = [];
  const stream = streamEvents(seed, options);
  while (out.length < count) out.push(stream.next().value);
  return out;
}

/** JSON lines, one Event per line, as in an audit log file (`--audit-log-path`); ends with a newline. */
export function toJsonLines(events: readonly object[]): string {
  let out = '';
  for (const e of events) out += `${JSON.stringify(e)}\n`;
  return out;
}

/**
 * Webhook bodies: `EventList`s of `size` events (the apiserver's default batch is up to 400; 100 is the size the
 * performance notes measured), the last one possibly shorter.
 */
export function toEventLists(events: readonly object[], size: number): string[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`EventList size must be a positive integer, not ${size}`);
  const bodies: string[] = [];
  for (let i = 0; i < events.length; i += size) bodies.push(eventList(events.slice(i, i + size)));
  return bodies;
}

/** One EventList body. */
export function eventList(events: readonly object[]): string {
  return `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${events.map((e) => JSON.stringify(e)).join(',')}]}`;
}

export interface SizeStats {
  readonly count: number;
  readonly totalBytes: number;
  readonly meanBytes: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Size distribution (bytes of compact JSON) of a list of sizes. */
export function sizeStats(sizes: readonly number[]): SizeStats {
  const total = sizes.reduce((a, b) => a + b, 0);
  return {
    count: sizes.length, totalBytes: total, meanBytes: sizes.length ? Math.round(total / sizes.length) : 0,
    p50: percentile(sizes, 50), p90: percentile(sizes, 90), p99: percentile(sizes, 99), max: sizes.reduce((a, b) => Math.max(a, b), 0),
  };
}
