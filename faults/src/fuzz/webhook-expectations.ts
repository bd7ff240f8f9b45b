/**
 * What the pipeline must produce for the bodies the webhook accepted, computed in this process with the same rules:
 * the alert ids (a hash of cluster, auditID, stage and rule) and the dead letters (one per bus message with an event
 * the evaluator cannot decode, as `decodeAuditPayload` reports it, or with an alert too large for the bus).
 */
import { join } from 'node:path';
import { alertToJson, buildAlert, decodeAuditPayload, loadRuleFiles, type Ruleset } from '@peregrine/rule-engine';
import { repoRoot } from '@peregrine/testkit';

export interface Expected {
  readonly alertIds: string[];
  /** One entry per expected dead letter: the decoder's errors for that message. */
  readonly deadLetters: (readonly string[])[];
  events: number;
}

export async function projectRuleset(): Promise<Ruleset> {
  const loaded = await loadRuleFiles([join(repoRoot(), 'rules')]);
  if (!loaded.ruleset) throw new Error(`rules/ does not load: ${loaded.errors.map((e) => e.message).join('; ')}`);
  return loaded.ruleset;
}

export function expectNothing(): Expected {
  return { alertIds: [], deadLetters: [], events: 0 };
}

/**
 * Adds what the evaluator will make of the bus messages `payloads` of cluster `cluster`: an alert larger than the
 * bus's message limit is not sent, its message is dead-lettered instead (services/evaluator/src/oversize-alerts.ts).
 */
export function expectFrom(into: Expected, ruleset: Ruleset, cluster: string, payloads: readonly string[], maxMessageBytes: number): void {
  for (const payload of payloads) {
    const decoded = decodeAuditPayload(payload, cluster);
    const problems = [...decoded.errors];
    into.events += decoded.events.length;
    for (const event of decoded.events) {
      for (const m of ruleset.evaluate(event)) {
        const alert = buildAlert(m, { hostname: 'faults' });
        if (Buffer.byteLength(alertToJson(alert)) > maxMessageBytes) problems.push(`the alert of rule '${alert.rule}' is too large`);
        else into.alertIds.push(alert.id);
      }
    }
    if (problems.length > 0) into.deadLetters.push(problems);
  }
}
