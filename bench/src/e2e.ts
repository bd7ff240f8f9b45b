/**
 * Bench: end to end, from the webhook to the alert in a file sink, for the embedded mode (`peregrine run`, one process,
 * in-memory bus) and for the services over the mock Kafka broker (ingest, 2 evaluators, outputs: four processes).
 * Each is driven at increasing offered rates (EventLists of 100 events, a bounded number of requests per step, 503 +
 * Retry-After honoured like the apiserver; lib/load.ts), and each step reports sustained events/s, whether every event
 * was evaluated and every expected alert delivered, alert latency p50/p99 and the RSS of every process
 * (lib/e2e-step.ts). The flag `e2eZeroLossAtHighestRate` is 1 when, in every mode and round, the highest (overload)
 * rate lost nothing: back-pressure, not loss.
 *
 *   node bench/dist/e2e.js [--quick] [--save TAG]
 *
 * Invariants: load only to 127.0.0.1 and bounded per step (a request count, and no request starts after the step's
 * time); one deployment runs at a time, and every process of it and the broker are stopped by pid before the next;
 * with several rounds, the ladder is repeated and each row is the median over rounds (zero loss: in every round).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAuditPayload, loadRuleFiles } from '@peregrine/rule-engine';
import { buildMockBroker } from '@peregrine/testkit';
import { type BenchOptions, type BenchResult, machine, type Row } from './results.js';
import { AlertTail } from './lib/alert-tail.js';
import { benchMain, isEntryPoint, round } from './lib/cli.js';
import { type Mode, type RunningSystem, startEmbedded, startKafka } from './lib/e2e-system.js';
import { runStep, type StepResult } from './lib/e2e-step.js';
import { benchEvents, EVENT_SOURCE } from './lib/events.js';
import { rulesDir } from './lib/paths.js';
import { medianOf } from './lib/rounds.js';
import { timedBody, type TimedBody } from './lib/timestamps.js';

export interface E2eBenchOptions extends BenchOptions {
  /** Default both; `kafka` is left out (with a note) when the mock broker cannot be built here. */
  readonly modes?: readonly Mode[];
  /** Offered events/s, increasing. */
  readonly rates?: readonly number[];
  /** Sending time per step; default 3 s (quick) or 6 s. */
  readonly stepSeconds?: number;
  /** Longest wait for a step's events and alerts after its last answer; default 15 s (quick) or 30 s. */
  readonly drainSeconds?: number;
  /** Rounds of the whole ladder; default 1 (quick) or 3. */
  readonly rounds?: number;
  /** Generated events (bodies of 100 are cut from them); default 2,000 (quick) or 6,000. */
  readonly events?: number;
  /** The embedded deployment's memory bus limit, bytes (default: the product's 256 MiB): lower it to see 503s. */
  readonly memoryBusBytes?: number;
  /** Evaluator processes of the Kafka deployment; default 2 (1 saves the smoke test a group rebalance). */
  readonly evaluators?: number;
}

/** The flag must be 1: at the highest (overload) rate, back-pressure and retries, never loss. */
export const TARGETS = { e2eZeroLossAtHighestRate: 1 } as const;

/** Offered events/s of `--quick`: light, about the Kafka deployment's capacity here, and overload for both. */
export const QUICK_RATES = [2500, 10_000, 40_000] as const;
/** Offered events/s of a full run: a ladder through both deployments' capacities (2 cores) into overload. */
export const FULL_RATES = [2500, 5000, 10_000, 15_000, 20_000, 30_000, 45_000] as const;
/** Requests go to <webhook>/<cluster> in turn: the cluster is the bus key, so partitions share the load. */
const CLUSTERS = Array.from({ length: 128 }, (_, i) => `c${i}`);

/** Measures; prints nothing and writes nothing (see lib/cli.ts). */
export async function run(options: E2eBenchOptions): Promise<BenchResult> {
  const notes: string[] = [];
  let modes = options.modes ?? ['embedded', 'kafka'];
  if (modes.includes('kafka')) {
    const built = buildMockBroker();
    if (!built.ok) {
      modes = modes.filter((m) => m !== 'kafka');
      notes.push(`kafka mode skipped: ${built.reason.split('\n')[0]} (apt-get install librdkafka-dev gcc)`);
    }
  }
  const rates = [...(options.rates ?? (options.quick ? QUICK_RATES : FULL_RATES))].sort((a, b) => a - b);
  const stepSeconds = options.stepSeconds ?? (options.quick ? 3 : 6);
  const drainSeconds = options.drainSeconds ?? (options.quick ? 15 : 30);
  const rounds = options.rounds ?? (options.quick ? 1 : 3);
  const cores = availableParallelism();

  const bodies = await makeBodies(options.events ?? (options.quick ? 2000 : 6000));
  const results = new Map<string, StepResult[]>();
  // One deployment at a time: an idle Kafka deployment alone takes ~20% of a core (kafkajs fetches and heartbeats),
  // which would be taken from the embedded one. Modes are not compared by a ratio; rates within a mode are a ladder.
  for (const mode of modes) {
    const dir = mkdtempSync(join(tmpdir(), `peregrine-e2e-${mode}-`));
    let system: RunningSystem | undefined;
    let tail: AlertTail | undefined;
    try {
      // Kafka: two evaluator processes share the cores (one worker thread each on 2 cores).
      system = mode === 'embedded'
        ? await startEmbedded({ dir, workers: cores, memoryBusBytes: options.memoryBusBytes })
        : await startKafka({ dir, workers: Math.max(1, Math.floor(cores / 2)), evaluators: options.evaluators ?? 2 });
      tail = new AlertTail(system.alertsFile);
      tail.start();
      await warmUp(system, tail, bodies.list);
      for (let r = 0; r < rounds; r++) {
        for (const rate of rates) {
          const step = await runStep(system, tail, { eventsPerSecond: rate, seconds: stepSeconds, drainSeconds, bodies: bodies.list, clusters: CLUSTERS });
          const key = `${mode} ${rate}`;
          results.set(key, [...(results.get(key) ?? []), step]);
        }
      }
    } finally {
      tail?.stop();
      await system?.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return summarize({ options, modes, rates, rounds, stepSeconds, drainSeconds, cores, notes, results, source: bodies.source });
}

/** Bodies of 100 events, with the alerts each must raise (the project's rules, evaluated here once). */
async function makeBodies(count: number): Promise<{ list: TimedBody[]; source: string }> {
  const events = benchEvents(Math.max(100, count - (count % 100)), 3);
  const loaded = await loadRuleFiles([rulesDir()], { ruleMatching: 'first' });
  if (!loaded.ruleset) throw new Error('the project rules do not load');
  const ruleset = loaded.ruleset;
  const alertsOf = (text: string) => decodeAuditPayload(text, 'bench').events.reduce((a, e) => a + ruleset.evaluate(e).length, 0);
  const list: TimedBody[] = [];
  for (let i = 0; i < events.length; i += 100) list.push(timedBody(events.slice(i, i + 100), alertsOf));
  return { list, source: `${EVENT_SOURCE} (seed 3)` };
}

/** A little load first (JIT, connections, the consumers' first fetches); waits until it is all through. */
async function warmUp(system: RunningSystem, tail: AlertTail, bodies: readonly TimedBody[]): Promise<void> {
  const step = await runStep(system, tail, { eventsPerSecond: 2000, seconds: 1, drainSeconds: 60, bodies, clusters: CLUSTERS });
  if (!step.drained) throw new Error(`${system.mode}: the warm-up load did not get through within 60 s`);
}

interface Summary {
  readonly options: E2eBenchOptions;
  readonly modes: readonly Mode[];
  readonly rates: readonly number[];
  readonly rounds: number;
  readonly stepSeconds: number;
  readonly drainSeconds: number;
  readonly cores: number;
  readonly notes: string[];
  readonly results: ReadonlyMap<string, readonly StepResult[]>;
  readonly source: string;
}

/** Kept up: every request of the step was sent on time and evaluated at >= 90% of the offered rate. */
function keptUp(x: StepResult, rate: number): boolean {
  return x.load.unsentEvents === 0 && x.sustainedPerSecond >= 0.9 * rate;
}

function summarize(s: Summary): BenchResult {
  const rows: Row[] = [];
  const ratios: Record<string, number> = {};
  const highest: Record<string, { rate: number; sustained: number } | undefined> = {};
  let allAtTop = true;
  for (const mode of s.modes) {
    let best: { rate: number; sustained: number } | undefined;
    for (const rate of s.rates) {
      const steps = s.results.get(`${mode} ${rate}`) ?? [];
      const zeroLoss = steps.length > 0 && steps.every((x) => x.zeroLoss);
      const kept = steps.length > 0 && steps.every((x) => keptUp(x, rate));
      const sustained = medianOf(steps, (x) => x.sustainedPerSecond);
      if (zeroLoss && kept) best = { rate, sustained };
      const rss = new Map<string, number>();
      for (const x of steps) for (const [name, mib] of Object.entries(x.rssMiB)) rss.set(name, Math.max(rss.get(name) ?? 0, mib));
      rows.push({
        mode,
        'offered ev/s': rate,
        'sent ev/s': Math.round(medianOf(steps, (x) => x.sentPerSecond)),
        'sustained ev/s': Math.round(sustained),
        'kept up': kept ? 'yes' : 'no',
        'zero loss': zeroLoss ? 'yes' : 'NO',
        'not sent': Math.max(...steps.map((x) => x.load.unsentEvents)),
        'lost events': Math.max(...steps.map((x) => x.lostEvents)),
        '503s': steps.reduce((a, x) => a + x.load.retries503, 0),
        alerts: `${Math.min(...steps.map((x) => x.alerts))}/${Math.max(...steps.map((x) => x.expectedAlerts))}`,
        'alert p50 ms': round(medianOf(steps, (x) => x.p50Ms)),
        'alert p99 ms': round(medianOf(steps, (x) => x.p99Ms)),
        'max RSS MiB': [...rss].map(([n, m]) => `${n} ${Math.round(m)}`).join(', '),
      });
    }
    highest[mode] = best;
    const top = s.results.get(`${mode} ${s.rates.at(-1)}`) ?? [];
    const atTop = top.length > 0 && top.every((x) => x.zeroLoss);
    allAtTop &&= atTop;
    ratios[`e2eZeroLossAtHighestRate${mode === 'embedded' ? 'Embedded' : 'Kafka'}`] = atTop ? 1 : 0;
  }
  ratios['e2eZeroLossAtHighestRate'] = s.modes.length > 0 && allAtTop ? 1 : 0;
  for (const mode of s.modes) {
    const h = highest[mode];
    s.notes.push(h
      ? `${mode}: highest offered rate kept up with zero loss: ${h.rate} ev/s (sustained ${Math.round(h.sustained)} ev/s)`
      : `${mode}: no offered rate was kept up with zero loss`);
  }
  s.notes.push(
    `kept up = every request sent on schedule and evaluated at >= 90% of the offered rate; zero loss = every event sent was evaluated and every alert it must raise reached the file (above the capacity the sender is slowed by the answers: "not sent" events were never offered, they are not loss)`,
    `steps of ${s.stepSeconds} s of sending (then up to ${s.drainSeconds} s to drain), ${s.rounds} round(s), medians; bodies of 100 events from ${s.source}; ${s.cores} cores, shared by the load generator; alert latency = file sink arrival (20 ms poll) - event time set at send`,
  );
  if (s.modes.includes('kafka')) {
    s.notes.push('kafka = the mock broker (librdkafka mock cluster): it keeps ~5 MB per partition and drops older data silently, so a loss there above the evaluators\' capacity could be the mock, not the pipeline');
  }
  return {
    bench: 'e2e',
    machine: machine(),
    settings: {
      quick: s.options.quick, modes: s.modes, rates: s.rates, rounds: s.rounds, stepSeconds: s.stepSeconds,
      drainSeconds: s.drainSeconds, eventSource: s.source, clusters: CLUSTERS.length, maxInFlight: 32,
      memoryBusBytes: s.options.memoryBusBytes ?? 'default',
      highestKeptUpWithZeroLoss: highest,
    },
    rows,
    ratios,
    notes: s.notes,
  };
}

if (isEntryPoint(import.meta.url)) await benchMain(run);
