/**
 * The compiled ruleset and its per-event entry point. Rules are indexed by the `objectRef.resource` values and the
 * verbs they can match (see passes/partition-keys.ts): each resource gets a table of verbs, and each verb one array
 * holding the rules that can match that pair, merged in load order, so evaluation is two Map lookups and a loop:
 *
 *   "pods"       -> "create" -> [rule 2 (pods, create), rule 3 (any, any), rule 7 (pods|deployments, any), ...]
 *                   "get"    -> [rule 3 (any, any), rule 7 (pods|deployments, any), ...]
 *                   other    -> [rule 3, rule 7, ...]          (verbs no rule of pods names)
 *   other        -> ...                                        (resources no rule names: the any-resource rules)
 *
 * Most of a cluster's traffic is get/list/watch, which most detections never look at: with the verb in the index,
 * those events skip the create/update/delete rules entirely.
 *
 * `first` (Falco's default) stops at the first match, `all` reports every match in load order.
 *
 * With `partition: false` (LoadOptions) there is no index: every active rule runs on every event, in load order.
 * Same matches, more work: it exists to measure what the index saves (bench/), never to serve.
 */
import type { AuditEvent } from '../event.js';
import type { Predicate } from '../compiler/compile.js';
import type { OutputFormatter } from '../compiler/output.js';
import type { SourcePos } from '../errors.js';
import { ANY_KEY, type PartitionKeys } from '../passes/partition-keys.js';
import { jsonText, member } from '../fields/json.js';
import type { CheckSummary } from '../passes/condition-summary.js';
import type { Priority } from '../priority.js';
import type { OperandReads } from '../fields/types.js';
import { buildSlotPlan, SLOT_RESOURCE, SLOT_VERB, type SlotPlan } from './slots.js';

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
  /** The verbs the condition can match (inferred), or `any`. */
  readonly verbs: PartitionKeys;
  /** The subresources the condition can match (inferred), or `any` (which includes none); not used by the index. */
  readonly subresources: PartitionKeys;
  /** The audit stages the condition can match (inferred), or `any`; not used by the index. */
  readonly stages: PartitionKeys;
  /** Distinct field operands of the expanded condition (`jevt.value[/stage]`, `ka.req.configmap.obj`), in order. */
  readonly fields: readonly string[];
  /** Distinct operators of the expanded condition (`in`, `contains`, `startswith anyof`), in order. */
  readonly operators: readonly string[];
  /** Every check of the expanded condition (field, operator, number of literal values), in source order. */
  readonly checks: readonly CheckSummary[];
  /** Where the rule was first defined. */
  readonly pos?: SourcePos | undefined;
  /** What the condition reads of the event (absent: everything); outputs are rendered from the complete event. */
  readonly reads?: readonly OperandReads[] | undefined;
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

/** The rules for one resource (or for the resources no rule names), by verb. */
interface VerbTable {
  readonly byVerb: ReadonlyMap<string, readonly CompiledRule[]>;
  /** The rules for verbs no rule of the table names: those that match any verb. */
  readonly otherVerbs: readonly CompiledRule[];
}

function verbTable(rules: readonly CompiledRule[]): VerbTable {
  const verbs = new Set<string>();
  for (const r of rules) if (r.verbs !== ANY_KEY) for (const v of r.verbs) verbs.add(v);
  const byVerb = new Map<string, readonly CompiledRule[]>();
  for (const verb of verbs) byVerb.set(verb, rules.filter((r) => r.verbs === ANY_KEY || r.verbs.has(verb)));
  return { byVerb, otherVerbs: rules.filter((r) => r.verbs === ANY_KEY) };
}

export class Ruleset {
  readonly #byResource = new Map<string, VerbTable>();
  readonly #otherResources: VerbTable;
  readonly #ruleMatching: RuleMatching;
  /** Whether evaluation uses the resource and verb index (LoadOptions.partition). */
  readonly partitioned: boolean;
  /** What the active rules' conditions read: the slots and the members of the event object (see slots.ts). */
  readonly slotPlan: SlotPlan;

  /**
   * @param rules every k8s_audit rule, in load order, including disabled ones (listed, never evaluated)
   * @param active the rules to evaluate: enabled and at or above the minimum priority
   * @param partition false: no index, every active rule runs on every event (for measurements)
   */
  constructor(
    readonly rules: readonly CompiledRule[],
    active: readonly CompiledRule[],
    ruleMatching: RuleMatching = 'first',
    partition = true,
  ) {
    this.#ruleMatching = ruleMatching;
    this.slotPlan = buildSlotPlan(active.flatMap((r) => r.reads ?? ['event' as const]));
    const sorted = [...active].sort((a, b) => a.index - b.index);
    this.partitioned = partition;
    if (!partition) {
      this.#otherResources = { byVerb: new Map(), otherVerbs: sorted };
      return;
    }
    this.#otherResources = verbTable(sorted.filter((r) => r.partition === ANY_KEY));
    const resources = new Set<string>();
    for (const r of sorted) if (r.partition !== ANY_KEY) for (const k of r.partition) resources.add(k);
    for (const resource of resources) {
      this.#byResource.set(resource, verbTable(sorted.filter((r) => r.partition === ANY_KEY || r.partition.has(resource))));
    }
  }

  /** The rules that run for events of a resource and verb (`undefined`: the event has none). */
  rulesFor(resource: string | undefined, verb: string | undefined): readonly CompiledRule[] {
    const table = (resource !== undefined && this.#byResource.get(resource)) || this.#otherResources;
    return (verb !== undefined && table.byVerb.get(verb)) || table.otherVerbs;
  }

  /** The rules that run for an event: those of its `objectRef.resource` and `verb`. */
  rulesForEvent(event: AuditEvent): readonly CompiledRule[] {
    const slots = event.slots;
    if (slots !== undefined) return this.rulesFor(keyText(slots.value(SLOT_RESOURCE)), keyText(slots.value(SLOT_VERB)));
    return this.rulesFor(keyOf(member(event.json, 'objectRef'), 'resource'), keyOf(event.json, 'verb'));
  }

  /** How many active rules run on every event: those narrowed neither to resources nor to verbs (all of them when not partitioned). */
  get unpartitionedCount(): number {
    return this.#otherResources.otherVerbs.length;
  }

  /**
   * As `evaluate`, and adds each rule's evaluation time (nanoseconds) and runs to `timings`. Costs a clock read per
   * rule: the evaluator calls it on a sample of events to report per-rule cost.
   */
  evaluateTimed(event: AuditEvent, timings: Map<string, RuleTiming>, options: EvaluateOptions = {}): Match[] {
    const all = (options.ruleMatching ?? this.#ruleMatching) === 'all';
    const matches: Match[] = [];
    for (const rule of this.rulesForEvent(event)) {
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

  /**
   * Evaluates one event; never throws for odd event shapes (extractors treat them as missing values). Most events
   * match nothing: they get the shared empty result, so that the common path allocates nothing.
   */
  evaluate(event: AuditEvent, options?: EvaluateOptions): readonly Match[] {
    const all = (options?.ruleMatching ?? this.#ruleMatching) === 'all';
    let matches: Match[] | undefined;
    for (const rule of this.rulesForEvent(event)) {
      if (!rule.condition(event)) continue;
      (matches ??= []).push({ rule, event });
      if (!all) break;
    }
    return matches ?? NO_MATCHES;
  }
}

const NO_MATCHES: readonly Match[] = Object.freeze([]);

/**
 * A partition key of an event (`objectRef.resource`, `verb`) as the fields the rules test read it: the JSON text of
 * the member (a string as is), `undefined` when missing.
 */
function keyOf(parent: unknown, name: string): string | undefined {
  return keyText(member(parent, name));
}

function keyText(value: unknown): string | undefined {
  return value === undefined ? undefined : jsonText(value);
}
