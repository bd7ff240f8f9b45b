/**
 * The compiled ruleset and its per-event entry point. Rules are indexed by the `objectRef.resource` values they can
 * match (see passes/partition-keys.ts); each resource gets one array holding its own rules and the rules that could
 * not be narrowed, merged in load order, so evaluation is one Map lookup and a loop:
 *
 *   byResource: "pods"       -> [rule 2 (pods), rule 3 (any), rule 7 (pods|deployments), ...]   (load order)
 *               "configmaps" -> [rule 3 (any), rule 9 (configmaps), ...]
 *   anyResource:             -> [rule 3 (any), ...]   (events whose resource no rule names)
 *
 * `first` (Falco's default) stops at the first match, `all` reports every match in load order.
 *
 * With `partition: false` (LoadOptions) there is no index: every active rule sits in `anyResource` and runs on every
 * event, in load order. Same matches, more work: it exists to measure what the index saves (bench/), never to serve.
 */
import type { AuditEvent } from '../event.js';
import type { Predicate } from '../compiler/compile.js';
import type { OutputFormatter } from '../compiler/output.js';
import type { SourcePos } from '../errors.js';
import { ANY_RESOURCE, type PartitionKeys } from '../passes/partition-keys.js';
import type { CheckSummary } from '../passes/condition-summary.js';
import type { Priority } from '../priority.js';

export type RuleMatching = 'first' | 'all';

export interface CompiledRule {
  readonly name: string;
  readonly desc: string;
  readonly priority: Priority;
  readonly tags: readonly string[];
  readonly source: string;
  readonly enabled: boolean;
  /** Load order (order of first definition): the evaluation order. */
  readonly index: number;
  readonly condition: Predicate;
  readonly output: OutputFormatter;
  /** The resources the condition can match (inferred), or `any`; kept even when the Ruleset is not partitioned. */
  readonly partition: PartitionKeys;
  /** Distinct field operands of the expanded condition (`jevt.value[/stage]`, `ka.req.configmap.obj`), in order. */
  readonly fields: readonly string[];
  /** Distinct operators of the expanded condition (`in`, `contains`, `startswith anyof`), in order. */
  readonly operators: readonly string[];
  /** Every check of the expanded condition (field, operator, number of literal values), in source order. */
  readonly checks: readonly CheckSummary[];
  /** Where the rule was first defined. */
  readonly pos?: SourcePos | undefined;
}

export interface Match {
  readonly rule: CompiledRule;
  readonly event: AuditEvent;
}

export interface RuleTiming {
  ns: number;
  runs: number;
}

export interface EvaluateOptions {
  readonly ruleMatching?: RuleMatching;
}

export class Ruleset {
  readonly #byResource = new Map<string, readonly CompiledRule[]>();
  readonly #anyResource: readonly CompiledRule[];
  readonly #ruleMatching: RuleMatching;
  /** Whether evaluation uses the resource index (LoadOptions.partition). */
  readonly partitioned: boolean;

  /**
   * @param rules every k8s_audit rule, in load order, including disabled ones (listed, never evaluated)
   * @param active the rules to evaluate: enabled and at or above the minimum priority
   * @param partition false: no resource index, every active rule runs on every event (for measurements)
   */
  constructor(
    readonly rules: readonly CompiledRule[],
    active: readonly CompiledRule[],
    ruleMatching: RuleMatching = 'first',
    partition = true,
  ) {
    this.#ruleMatching = ruleMatching;
    const sorted = [...active].sort((a, b) => a.index - b.index);
    this.partitioned = partition;
    this.#anyResource = partition ? sorted.filter((r) => r.partition === ANY_RESOURCE) : sorted;
    if (!partition) return;
    const resources = new Set<string>();
    for (const r of sorted) if (r.partition !== ANY_RESOURCE) for (const k of r.partition) resources.add(k);
    for (const resource of resources) {
      this.#byResource.set(resource, sorted.filter((r) => r.partition === ANY_RESOURCE || r.partition.has(resource)));
    }
  }

  /** The rules that run for events of a resource (for `validate` and tests). */
  rulesFor(resource: string | undefined): readonly CompiledRule[] {
    return (resource !== undefined && this.#byResource.get(resource)) || this.#anyResource;
  }

  /** How many active rules run on every event: those not narrowed to resources (all of them when not partitioned). */
  get unpartitionedCount(): number {
    return this.#anyResource.length;
  }

  /**
   * As `evaluate`, and adds each rule's evaluation time (nanoseconds) and runs to `timings`. Costs a clock read per
   * rule: the evaluator calls it on a sample of events to report per-rule cost.
   */
  evaluateTimed(event: AuditEvent, timings: Map<string, RuleTiming>, options: EvaluateOptions = {}): Match[] {
    const all = (options.ruleMatching ?? this.#ruleMatching) === 'all';
    const matches: Match[] = [];
    for (const rule of this.rulesFor(resourceOf(event))) {
      const started = process.hrtime.bigint();
      const matched = rule.condition(event);
      const t = timings.get(rule.name) ?? { ns: 0, runs: 0 };
      t.ns += Number(process.hrtime.bigint() - started);
      t.runs++;
      timings.set(rule.name, t);
      if (!matched) continue;
      matches.push({ rule, event });
      if (!all) break;
    }
    return matches;
  }

  /** Evaluates one event; never throws for odd event shapes (extractors treat them as missing values). */
  evaluate(event: AuditEvent, options: EvaluateOptions = {}): Match[] {
    const all = (options.ruleMatching ?? this.#ruleMatching) === 'all';
    const candidates = this.rulesFor(resourceOf(event));
    const matches: Match[] = [];
    for (const rule of candidates) {
      if (!rule.condition(event)) continue;
      matches.push({ rule, event });
      if (!all) break;
    }
    return matches;
  }
}

/** The partition key of an event: `objectRef.resource` as `ka.target.resource` would extract it. */
function resourceOf(event: AuditEvent): string | undefined {
  const objectRef = event.json['objectRef'];
  if (!objectRef || typeof objectRef !== 'object') return undefined;
  const resource = (objectRef as Record<string, unknown>)['resource'];
  if (resource === undefined) return undefined;
  return typeof resource === 'string' ? resource : JSON.stringify(resource);
}
