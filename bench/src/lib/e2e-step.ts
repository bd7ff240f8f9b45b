/**
 * One step of the e2e bench: offer a bounded number of requests at one rate to a running system, then wait (bounded)
 * until every accepted event is evaluated and every alert it must raise is in the sink, and measure:
 *
 *   sustained events/s   events evaluated / (first request sent .. the evaluated count reaching the accepted count)
 *   zero loss            nothing refused at the client after its retries, evaluated >= sent, alerts >= expected
 *                        (requests the sender could not start in time are "not sent", reported apart: the rate
 *                        actually offered is `sent ev/s`)
 *   alert latency        sink arrival - event time (set at send), p50/p99 over the step's alerts
 *   memory               the largest VmRSS of each process while the step ran (sampled every 250 ms)
 *
 * The evaluated counter is polled every 50 ms, so `sustained` carries about that much error at the end of a step.
 */
import { percentile } from '../results.js';
import type { AlertTail } from './alert-tail.js';
import type { RunningSystem } from './e2e-system.js';
import { type LoadOutcome, offerLoad } from './load.js';
import { memoryOf } from './proc.js';
import { nowMs, type TimedBody } from './timestamps.js';

export interface StepPlan {
  readonly eventsPerSecond: number;
  readonly seconds: number;
  readonly drainSeconds: number;
  readonly bodies: readonly TimedBody[];
  readonly clusters: readonly string[];
}

export interface StepResult {
  readonly load: LoadOutcome;
  readonly sentPerSecond: number;
  readonly evaluated: number;
  readonly sustainedPerSecond: number;
  readonly alerts: number;
  readonly expectedAlerts: number;
  readonly lostEvents: number;
  readonly zeroLoss: boolean;
  /** Whether the system had caught up (evaluated and delivered everything) before the drain deadline. */
  readonly drained: boolean;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Largest VmRSS per process name, MiB. */
  readonly rssMiB: Readonly<Record<string, number>>;
}

/** Runs one step. `tail` follows the system's alerts file. */
export async function runStep(system: RunningSystem, tail: AlertTail, plan: StepPlan): Promise<StepResult> {
  tail.clear();
  const rss: Record<string, number> = {};
  const sample = () => {
    for (const p of system.processes) {
      const m = memoryOf(p.pid);
      if (m) rss[p.name] = Math.max(rss[p.name] ?? 0, m.rssMiB);
    }
  };
  sample();
  const sampler = setInterval(sample, 250);
  try {
    const before = await system.evaluated();
    const events = plan.bodies[0]!.events;
    const load = await offerLoad({
      url: system.webhookUrl, eventsPerSecond: plan.eventsPerSecond,
      requests: Math.max(1, Math.ceil((plan.eventsPerSecond * plan.seconds) / events)),
      bodies: plan.bodies, clusters: plan.clusters, maxInFlight: 32, maxAttempts: 10, graceMs: 1000,
    });
    const deadline = nowMs() + plan.drainSeconds * 1000;
    let evaluated = 0;
    let doneMs = nowMs();
    let alerts = 0;
    for (;;) {
      const now = nowMs();
      const count = (await system.evaluated()) - before;
      // The last poll that saw progress: when the system finished this step's events (within the poll interval).
      if (count > evaluated) doneMs = now;
      evaluated = count;
      alerts = tail.arrivalsSince(load.startedMs).length;
      if ((evaluated >= load.acceptedEvents && alerts >= load.acceptedAlerts) || now > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const latencies = tail.arrivalsSince(load.startedMs).map((a) => a.arrivedMs - a.timeMs);
    const drained = evaluated >= load.acceptedEvents && alerts >= load.acceptedAlerts;
    return {
      load,
      sentPerSecond: load.offeredEvents / (load.sendMs / 1000),
      evaluated,
      sustainedPerSecond: evaluated / ((doneMs - load.startedMs) / 1000),
      alerts,
      expectedAlerts: load.acceptedAlerts,
      lostEvents: Math.max(0, load.offeredEvents - evaluated),
      zeroLoss: load.refusedEvents === 0 && evaluated >= load.offeredEvents && alerts >= load.acceptedAlerts,
      drained,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      rssMiB: rss,
    };
  } finally {
    clearInterval(sampler);
  }
}
