/**
 * What level an audit policy gives a kind of request, evaluated the way the kube-apiserver evaluates it: the rules in
 * order, the first that matches decides the level and the omitted stages; a request no rule matches is not audited.
 *
 * A rule of the detection rules is about a kind of request (a resource, maybe a subresource and verbs), not about one
 * request: who sends it and in which namespace are open. So each policy rule is judged against the kind as
 *
 *   no    it matches no request of the kind (another resource, another verb)
 *   may   it matches some of them only: it names users, groups, namespaces or object names, or the kind leaves open
 *         what the policy rule pins down (any verb against `verbs: [create]`)
 *   sure  it matches every request of the kind
 *
 * and the level of the kind is the level of the first `sure` rule ("everyone else"); the `may` rules before it are the
 * exceptions, reported beside it. Matching within a rule is the apiserver's: users, groups and verbs by equality;
 * resources by exact group, then the resource as `name`, `name/subresource`, `*`, or a wildcard on either side of the
 * slash (a wildcard subresource also matches the resource itself).
 */
import { groupsOf } from './api-groups.js';
import type { AuditLevel, AuditPolicy, AuditStage, GroupResources, PolicyRule } from './audit-policy.js';

/** A kind of request. An undefined member is "any": any resource (or a non-resource URL), any verb. */
export interface RequestKind {
  readonly resource?: {
    /** The API group; undefined when the resource is not a built-in one and the group is not known. */
    readonly group: string | undefined;
    readonly name: string;
    /** "" for the object itself. */
    readonly subresource: string;
  };
  readonly verb?: string;
}

export type Certainty = 'no' | 'may' | 'sure';

export interface RuleRef {
  /** 1-based position in the policy's rules, as people count them. */
  readonly number: number;
  readonly rule: PolicyRule;
}

export interface KindAudit {
  /** The level of every request of the kind not caught by an exception; None when no rule matches them. */
  readonly level: AuditLevel;
  /** The rule that decided it, when one did. */
  readonly decidedBy?: RuleRef | undefined;
  /** The stages not sent for them: the policy's omitStages and the deciding rule's. */
  readonly omitStages: ReadonlySet<AuditStage>;
  /** Earlier rules that catch some requests of the kind (they win for those requests). */
  readonly exceptions: readonly RuleRef[];
}

export function auditOf(policy: AuditPolicy, kind: RequestKind): KindAudit {
  const exceptions: RuleRef[] = [];
  const policyOmits = policy.omitStages ?? [];
  for (const [i, rule] of policy.rules.entries()) {
    const ref = { number: i + 1, rule };
    const certainty = matches(rule, kind);
    if (certainty === 'may') exceptions.push(ref);
    if (certainty === 'sure') {
      return { level: rule.level, decidedBy: ref, omitStages: new Set([...policyOmits, ...(rule.omitStages ?? [])]), exceptions };
    }
  }
  return { level: 'None', omitStages: new Set(policyOmits), exceptions };
}

export function matches(rule: PolicyRule, kind: RequestKind): Certainty {
  let partial = nonEmpty(rule.users) || nonEmpty(rule.userGroups);
  if (nonEmpty(rule.verbs)) {
    if (kind.verb === undefined) partial = true;
    else if (!rule.verbs!.includes(kind.verb)) return 'no';
  }
  if (nonEmpty(rule.resources) || nonEmpty(rule.namespaces)) {
    // Only resource requests can match; the request's namespace is never known here.
    if (kind.resource === undefined || nonEmpty(rule.namespaces)) partial = true;
    if (kind.resource !== undefined && nonEmpty(rule.resources)) {
      const r = resourcesMatch(rule.resources!, kind.resource);
      if (r === 'no') return 'no';
      if (r === 'may') partial = true;
    }
  } else if (nonEmpty(rule.nonResourceURLs)) {
    // Only non-resource requests (/healthz, /metrics, discovery) can match.
    if (kind.resource !== undefined) return 'no';
    partial = true;
  }
  return partial ? 'may' : 'sure';
}

function resourcesMatch(entries: readonly GroupResources[], r: NonNullable<RequestKind['resource']>): Certainty {
  let best: Certainty = 'no';
  const combined = r.subresource ? `${r.name}/${r.subresource}` : r.name;
  for (const entry of entries) {
    if (r.group !== undefined && (entry.group ?? '') !== r.group) continue;
    // A group entry without resources is every resource of the group, whatever resourceNames says.
    if (!nonEmpty(entry.resources)) return 'sure';
    const named = entry.resources!.some((res) => res === combined || res === '*'
      || (r.subresource !== '' && res.startsWith('*/') && res.slice(2) === r.subresource)
      || (res.endsWith('/*') && res.slice(0, -2) === r.name));
    if (!named) continue;
    if (!nonEmpty(entry.resourceNames)) return 'sure';
    best = 'may';
  }
  return best;
}

/** The kinds of request for one resource of a detection rule: one per API group that serves it. */
export function resourceKinds(resource: string, subresource: string, verb: string | undefined): RequestKind[] {
  return groupsOf(resource).map((group) => ({ resource: { group, name: resource, subresource }, verb }));
}

function nonEmpty(list: readonly unknown[] | undefined): boolean {
  return list !== undefined && list.length > 0;
}
