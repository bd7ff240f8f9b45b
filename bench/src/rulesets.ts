/**
 * The rulesets the rule benches measure: Falco's current k8s audit ruleset, loaded as Falco loads it (its main
 * falco_rules.yaml first, then k8s_audit_rules.yaml, both from the conformance kit beside the repository at
 * `<repo>/../shared/conformance`), and the project's own `rules/`. The kit is not part of the repository: when it is
 * missing, the benches say so and measure our rules only, never a silently smaller set.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { conformanceDir } from '@peregrine/testkit';
import { rulesDir } from './lib/paths.js';

export interface BenchRuleset {
  /** `falco` (Falco's current rules) or `ours` (rules/). */
  readonly name: 'falco' | 'ours';
  /** Rules files in load order. */
  readonly paths: readonly string[];
}

/** Falco's current rules files from the kit, in load order, or undefined when the kit is not there. */
export function falcoRulesPaths(): string[] | undefined {
  const kit = conformanceDir();
  if (!kit) return undefined;
  const paths = [
    join(kit, 'falco-0.35.1', 'falcosecurity-rules-falco-rules-1.0.1', 'falco_rules.yaml'),
    join(kit, 'rules-current', 'k8s_audit_rules.yaml'),
  ];
  return paths.every((p) => existsSync(p)) ? paths : undefined;
}

export const KIT_MISSING_NOTE =
  "Falco's conformance kit is not at ../shared/conformance beside the repository: measured with our rules only " +
  '(place the kit there to measure Falco\'s current ruleset)';

/** The rulesets to measure, Falco's first when the kit is there; `note` says when it is not. */
export function benchRulesets(): { rulesets: BenchRuleset[]; note?: string } {
  const ours: BenchRuleset = { name: 'ours', paths: [rulesDir()] };
  const falco = falcoRulesPaths();
  if (!falco) return { rulesets: [ours], note: KIT_MISSING_NOTE };
  return { rulesets: [{ name: 'falco', paths: falco }, ours] };
}
