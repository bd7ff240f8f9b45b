/**
 * What the cases send and what they must get back. The corpus is our rules' own test events (rules/tests: 178
 * events, 74 of them firing a rule) repeated for several clusters, optionally padded with generated cluster traffic
 * (bench's seeded generator) for volume. The expected alerts are computed by evaluating the same events with the
 * same rules in this process: an alert's `id` is a hash of (cluster, auditID, stage, rule), so the set of ids the
 * sinks must hold is known before anything is sent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEvents } from '@peregrine/bench/gen';
import { buildAlert, decodeAuditPayload, loadRuleFiles } from '@peregrine/rule-engine';
import { repoRoot } from '@peregrine/testkit';

/** rules/tests: every positive and negative event, in file order. */
export function ruleTestEvents(): unknown[] {
  const dir = join(repoRoot(), 'rules', 'tests');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().flatMap((f) => {
    const c = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { positive: unknown[]; negative: unknown[] };
    return [...c.positive, ...c.negative];
  });
}

/** Generated cluster traffic (deterministic for a seed). */
export function generatedEvents(count: number, seed = 7): unknown[] {
  return generateEvents(count, seed);
}

/** One webhook body per cluster and chunk: `{ cluster, body }`, EventLists of at most `perBody` events. */
export function webhookBodies(events: readonly unknown[], clusters: readonly string[], perBody = 100): { cluster: string; body: string }[] {
  const bodies: { cluster: string; body: string }[] = [];
  for (const cluster of clusters) {
    for (let i = 0; i < events.length; i += perBody) {
      bodies.push({ cluster, body: JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: events.slice(i, i + perBody) }) });
    }
  }
  return bodies;
}

/** The alert ids the pipeline must produce for these bodies with the rules at `rulesPaths` (default: rules/). */
export async function expectedAlertIds(bodies: readonly { cluster: string; body: string }[], rulesPaths?: readonly string[]): Promise<string[]> {
  const loaded = await loadRuleFiles(rulesPaths ?? [join(repoRoot(), 'rules')]);
  if (!loaded.ruleset) throw new Error(`rules do not load: ${loaded.errors.map((e) => e.message).join('; ')}`);
  const ids: string[] = [];
  for (const { cluster, body } of bodies) {
    for (const event of decodeAuditPayload(body, cluster).events) {
      for (const m of loaded.ruleset.evaluate(event)) ids.push(buildAlert(m, { hostname: 'faults' }).id);
    }
  }
  return ids;
}

/**
 * `expectedAlertIds` body by body (one rules load): element i holds the alert ids of `bodies[i]`, for cases that must
 * account only for the batches the webhook accepted. `rulesPaths` defaults to rules/.
 */
export async function expectedAlertIdsPerBody(bodies: readonly { cluster: string; body: string }[], rulesPaths?: readonly string[]): Promise<string[][]> {
  const loaded = await loadRuleFiles(rulesPaths ?? [join(repoRoot(), 'rules')]);
  if (!loaded.ruleset) throw new Error(`rules do not load: ${loaded.errors.map((e) => e.message).join('; ')}`);
  const ruleset = loaded.ruleset;
  return bodies.map(({ cluster, body }) => decodeAuditPayload(body, cluster).events
    .flatMap((event) => ruleset.evaluate(event).map((m) => buildAlert(m, { hostname: 'faults' }).id)));
}
