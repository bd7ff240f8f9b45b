/**
 * The e2e load generator: POSTs EventList bodies to the webhook at an offered rate, like a kube-apiserver's audit
 * webhook backend: a 503 is retried after its Retry-After (and other failures after a short backoff) up to a bounded
 * number of attempts; what is still refused then counts as lost at the client. Open loop: request i is due at
 * start + i x interval whatever the answers, but at most `maxInFlight` requests are outstanding, so an overloaded
 * server slows the sender down (the achieved rate is reported) instead of this process queueing without bound.
 *
 * Only 127.0.0.1, only a fixed number of requests per call.
 */
import { Agent, request } from 'node:http';
import { nowMs, stamp, type TimedBody } from './timestamps.js';

export interface LoadPlan {
  /** Webhook URL without the cluster, e.g. http://127.0.0.1:8765/k8s-audit */
  readonly url: string;
  /** Offered events per second. */
  readonly eventsPerSecond: number;
  /** Requests to send in this step (bounded). */
  readonly requests: number;
  readonly bodies: readonly TimedBody[];
  /** Cluster path segments used in turn (the bus key: spreads partitions). */
  readonly clusters: readonly string[];
  readonly maxInFlight: number;
  /** Attempts per request, the first included. */
  readonly maxAttempts: number;
  /** How long after the schedule's end a due request may still start. */
  readonly graceMs: number;
}

export interface LoadOutcome {
  /** Requests sent (started). */
  readonly requests: number;
  /** Events in the plan's requests never started: the server was too slow for the offered rate. */
  readonly unsentEvents: number;
  /** Events in the requests sent. */
  readonly offeredEvents: number;
  /** Events in requests answered 200. */
  readonly acceptedEvents: number;
  /** Alerts the accepted requests' events must raise. */
  readonly acceptedAlerts: number;
  /** Events in requests given up after maxAttempts (or answered 4xx): lost at the client. */
  readonly refusedEvents: number;
  /** 503 answers seen (each retried). */
  readonly retries503: number;
  readonly otherFailures: number;
  /** From the first request sent to the last answer, ms. */
  readonly sendMs: number;
  readonly startedMs: number;
}

/** Sends the plan's requests; resolves when every request has its final answer. Never rejects for HTTP errors. */
export async function offerLoad(plan: LoadPlan): Promise<LoadOutcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.maxInFlight });
  const target = new URL(plan.url);
  const intervalMs = (plan.bodies[0]!.events / plan.eventsPerSecond) * 1000;
  let accepted = 0;
  let acceptedAlerts = 0;
  let refused = 0;
  let retries503 = 0;
  let otherFailures = 0;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const startedMs = nowMs();
  const pending: Promise<void>[] = [];

  const send = async (i: number) => {
    const body = plan.bodies[i % plan.bodies.length]!;
    const path = `${target.pathname}/${plan.clusters[i % plan.clusters.length]!}`;
    // The event time is set once, at the first attempt: a retried batch keeps it, as the apiserver's would.
    const payload = stamp(body, nowMs());
    for (let attempt = 1; ; attempt++) {
      const answer = await post(agent, target, path, payload);
      if (answer.status === 200) {
        accepted += body.events;
        acceptedAlerts += body.alerts;
        return;
      }
      if (answer.status === 503) retries503++;
      else otherFailures++;
      const retryable = answer.status === 503 || answer.status === 0 || answer.status >= 500;
      if (!retryable || attempt >= plan.maxAttempts) {
        refused += body.events;
        return;
      }
      await sleep(answer.status === 503 ? Math.max(100, answer.retryAfterS * 1000) : 200);
    }
  };

  const lastStartMs = startedMs + plan.requests * intervalMs + plan.graceMs;
  let sent = 0;
  try {
    for (let i = 0; i < plan.requests; i++) {
      const due = startedMs + i * intervalMs;
      const wait = due - nowMs();
      if (wait > 1) await sleep(wait);
      while (inFlight >= plan.maxInFlight) await new Promise<void>((resolve) => (wake = resolve));
      if (nowMs() > lastStartMs) break;
      sent++;
      inFlight++;
      pending.push(send(i).finally(() => {
        inFlight--;
        wake?.();
        wake = undefined;
      }));
    }
    await Promise.all(pending);
  } finally {
    agent.destroy();
  }
  const events = plan.bodies[0]!.events;
  return {
    requests: sent, unsentEvents: (plan.requests - sent) * events, offeredEvents: sent * events, acceptedEvents: accepted, acceptedAlerts, refusedEvents: refused,
    retries503, otherFailures, sendMs: nowMs() - startedMs, startedMs,
  };
}

/** One POST; status 0 for a socket error. Consumes the answer's body so the connection is reused. */
function post(agent: Agent, target: URL, path: string, body: Buffer): Promise<{ status: number; retryAfterS: number }> {
  return new Promise((resolve) => {
    const req = request({
      agent, host: target.hostname, port: target.port, path, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfterS: Number(res.headers['retry-after'] ?? 1) || 1 }));
      res.on('error', () => resolve({ status: 0, retryAfterS: 1 }));
    });
    req.on('error', () => resolve({ status: 0, retryAfterS: 1 }));
    req.end(body);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
