/**
 * Will the rules see what they need under an audit policy? For each enabled rule, each kind of request it can match
 * is looked up in the policy (policy-match.ts) and compared with what the rule reads (rule-needs.ts):
 *
 *   warning  the rule can never fire (every kind it matches is audited below the level its condition needs, not
 *            audited, or only at stages it does not judge), or cannot fire on some of those kinds
 *   note     it fires, but some users or namespaces are audited lower by an earlier policy rule, or its output needs
 *            more than the policy gives (those fields print <NA>)
 *
 * The pitfall this exists for: a policy at Metadata for pods hides the pod spec, and "Privileged Container Started in
 * Pod" never fires, silently.
 */
import type { CompiledRule } from '@peregrine/rule-engine';
import { type AuditPolicy, levelRank, type PolicyRule, STAGES } from './audit-policy.js';
import { auditOf, type KindAudit, type RequestKind, type RuleRef } from './policy-match.js';
import { type LevelNeed, type RuleNeeds, ruleNeeds } from './rule-needs.js';

export interface Finding {
  readonly severity: 'warning' | 'note';
  readonly rule: string;
  readonly message: string;
}

export interface CheckReport {
  /** Enabled rules checked. */
  readonly checked: number;
  /** Rules with no warning. */
  readonly fine: number;
  readonly findings: readonly Finding[];
}

export function checkPolicy(policy: AuditPolicy, rules: readonly CompiledRule[]): CheckReport {
  const findings: Finding[] = [];
  const active = rules.filter((r) => r.enabled);
  let fine = 0;
  for (const rule of active) {
    const found = checkRule(policy, ruleNeeds(rule));
    findings.push(...found);
    if (!found.some((f) => f.severity === 'warning')) fine++;
  }
  return { checked: active.length, fine, findings };
}

interface Judged {
  readonly kind: RequestKind;
  readonly audit: KindAudit;
  /** Why the rule cannot fire on this kind, or undefined when it can. */
  readonly blind?: string | undefined;
}

function checkRule(policy: AuditPolicy, needs: RuleNeeds): Finding[] {
  const name = needs.rule.name;
  if (needs.kinds.length === 0) {
    return [{ severity: 'note', rule: name, message: 'its condition can never be true (nothing to check)' }];
  }
  const judged: Judged[] = needs.kinds.map((kind) => {
    const audit = auditOf(policy, kind);
    return { kind, audit, blind: blindness(audit, needs) };
  });
  const blind = judged.filter((j) => j.blind !== undefined);
  const seen = judged.filter((j) => j.blind === undefined);
  const findings: Finding[] = [];
  const reads = needText(needs.condition);
  if (blind.length > 0) {
    const what = seen.length === 0 ? 'can never fire' : `cannot fire on ${kindsText(blind.map((j) => j.kind))}`;
    const rescue = uniqueRefs(blind.flatMap((j) => j.audit.exceptions))
      .filter((r) => levelRank(r.rule.level) >= levelRank(needs.condition.level));
    const only = rescue.length > 0 ? `; only requests caught by ${rescue.map((r) => refText(r.number, r.rule)).join(', ')} get enough` : '';
    findings.push({ severity: 'warning', rule: name, message: `${what}: ${reads}${causes(blind)}${only}` });
  }
  // Kinds that lose the same requests to the same earlier policy rules share one note.
  const lost = new Map<string, { kinds: RequestKind[]; refs: RuleRef[] }>();
  for (const j of seen) {
    const lower = j.audit.exceptions.filter((r) => levelRank(r.rule.level) < levelRank(needs.condition.level));
    if (lower.length === 0) continue;
    const key = lower.map((r) => r.number).join(',');
    const entry = lost.get(key) ?? { kinds: [], refs: lower };
    entry.kinds.push(j.kind);
    lost.set(key, entry);
  }
  for (const { kinds, refs } of lost.values()) {
    const what = kinds.some((k) => k.resource === undefined) ? 'the' : `the ${kindsText(kinds)}`;
    findings.push({ severity: 'note', rule: name, message: `does not see ${what} requests caught first by ${refsText(refs)}` });
  }
  const short = seen.filter((j) => levelRank(j.audit.level) < levelRank(needs.output.level));
  if (short.length > 0) {
    findings.push({
      severity: 'note', rule: name,
      message: `its output prints <NA> for ${fieldList(needs.output.fields)} (level ${needs.output.level}) on ${short.map((j) => `${kindsText([j.kind])} (audited at ${j.audit.level})`).join(', ')}`,
    });
  }
  return findings;
}

/** Why events of this kind cannot make the rule fire, or undefined when they can. */
function blindness(audit: KindAudit, needs: RuleNeeds): string | undefined {
  if (audit.level === 'None') return audit.decidedBy ? `not audited (level None, ${refText(audit.decidedBy.number, audit.decidedBy.rule)})` : 'not audited (no policy rule matches them)';
  if (levelRank(audit.level) < levelRank(needs.condition.level)) return `audited at ${audit.level} (${refText(audit.decidedBy!.number, audit.decidedBy!.rule)})`;
  const judged = needs.stages === 'any' ? [...STAGES] : [...needs.stages];
  const sent = judged.filter((s) => !audit.omitStages.has(s as (typeof STAGES)[number]));
  if (sent.length === 0) return `audited without the stage(s) it judges, ${judged.join(', ')} (omitStages)`;
  return undefined;
}

/** "audited at Metadata (policy rule #1)" for pods create, update, patch: kinds with the same cause share a clause. */
function causes(blind: readonly Judged[]): string {
  const byCause = new Map<string, RequestKind[]>();
  for (const j of blind) byCause.set(j.blind!, [...(byCause.get(j.blind!) ?? []), j.kind]);
  return [...byCause].map(([cause, kinds]) => `, but ${kindsText(kinds)} ${kinds.length > 1 ? 'are' : 'is'} ${cause}`).join(';');
}

function needText(need: LevelNeed): string {
  if (need.level === 'Metadata') return 'it needs level Metadata';
  return `it reads ${fieldList(need.fields)}, which need${need.fields.length === 1 ? 's' : ''} level ${need.level}`;
}

function fieldList(fields: readonly string[]): string {
  return fields.length <= 3 ? fields.join(', ') : `${fields.slice(0, 3).join(', ')} and ${fields.length - 3} more`;
}

/** `pods (create, update)`, `deployments.apps delete`, `pods/exec (any verb)`, `any request`: verbs grouped by resource. */
export function kindsText(kinds: readonly RequestKind[]): string {
  const byTarget = new Map<string, (string | undefined)[]>();
  for (const k of kinds) {
    const target = k.resource
      ? `${k.resource.name}${k.resource.group ? `.${k.resource.group}` : ''}${k.resource.subresource ? `/${k.resource.subresource}` : ''}`
      : '';
    byTarget.set(target, [...(byTarget.get(target) ?? []), k.verb]);
  }
  return [...byTarget].map(([target, verbs]) => {
    const named = verbs.filter((v): v is string => v !== undefined);
    if (target === '') return named.length > 0 ? `any ${named.join('/')} request` : 'any request';
    if (named.length === 0) return `${target} (any verb)`;
    return named.length === 1 ? `${target} ${named[0]}` : `${target} (${named.join(', ')})`;
  }).join(', ');
}

/** `policy rule #3 (userGroups: system:nodes)`: what limits a rule to some requests. */
function refText(number: number, rule: PolicyRule): string {
  const limits: string[] = [];
  for (const key of ['users', 'userGroups', 'namespaces', 'verbs', 'nonResourceURLs'] as const) {
    const v = rule[key];
    if (v && v.length > 0) limits.push(`${key}: ${v.join(',')}`);
  }
  if (rule.resources?.some((g) => g.resourceNames?.length)) limits.push('resourceNames');
  return `policy rule #${number}${limits.length > 0 ? ` (${limits.join('; ')})` : ''}`;
}

/** One or two policy rules with what limits them; more, by number only (a rule about any request meets many). */
function refsText(refs: readonly RuleRef[]): string {
  if (refs.length <= 2) return refs.map((r) => `${refText(r.number, r.rule)} at ${r.rule.level}`).join(', ');
  const levels = [...new Set(refs.map((r) => r.rule.level))].join('/');
  return `policy rules ${refs.map((r) => `#${r.number}`).join(', ')} (at ${levels}, for the users, groups, URLs or resources they name)`;
}

function uniqueRefs<T extends { number: number }>(refs: readonly T[]): T[] {
  return [...new Map(refs.map((r) => [r.number, r])).values()];
}

