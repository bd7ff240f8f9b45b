/**
 * The kube-apiserver's audit policy (`--audit-policy-file`, kind Policy of audit.k8s.io/v1): its types, and reading
 * one from YAML with the checks the apiserver makes when it loads it (a policy it would refuse must not pass
 * `peregrine setup check`). Keys the apiserver does not know are refused too: in a hand-written policy they are typos
 * (`resource:` for `resources:`), and a typo there silently widens or narrows what is audited.
 */
import { parse } from 'yaml';

export const LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type AuditLevel = (typeof LEVELS)[number];

export const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type AuditStage = (typeof STAGES)[number];

/** `resources:` entries of a policy rule. A missing `group` is the core group (""). */
export interface GroupResources {
  readonly group?: string;
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
}

export interface PolicyRule {
  readonly level: AuditLevel;
  readonly users?: readonly string[];
  readonly userGroups?: readonly string[];
  readonly verbs?: readonly string[];
  readonly resources?: readonly GroupResources[];
  readonly namespaces?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
  readonly omitStages?: readonly AuditStage[];
  readonly omitManagedFields?: boolean;
}

export interface AuditPolicy {
  readonly apiVersion: string;
  readonly kind: 'Policy';
  readonly omitStages?: readonly AuditStage[];
  readonly omitManagedFields?: boolean;
  readonly rules: readonly PolicyRule[];
}

/** audit.k8s.io/v1beta1 was removed in Kubernetes 1.24; its Policy has the same fields, so both are read. */
const API_VERSIONS = new Set(['audit.k8s.io/v1', 'audit.k8s.io/v1beta1']);
const POLICY_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'omitStages', 'omitManagedFields', 'rules']);
const RULE_KEYS = new Set([
  'level', 'users', 'userGroups', 'verbs', 'resources', 'namespaces', 'nonResourceURLs', 'omitStages', 'omitManagedFields',
]);
const GROUP_KEYS = new Set(['group', 'resources', 'resourceNames']);
const STRING_LISTS = ['users', 'userGroups', 'verbs', 'namespaces', 'nonResourceURLs'] as const;

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

/** Parses and checks a policy; throws PolicyError listing every problem (`where` names the file in messages). */
export function parsePolicy(text: string, where: string): AuditPolicy {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new PolicyError(`${where}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const problems = policyProblems(doc);
  if (problems.length > 0) throw new PolicyError(`${where}: not a valid audit policy:\n  ${problems.join('\n  ')}`);
  return doc as AuditPolicy;
}

/** Every reason the apiserver (or a careful reader) would refuse `doc` as a Policy; empty when it is one. */
export function policyProblems(doc: unknown): string[] {
  if (!isMap(doc)) return ['the document is not a map (expected apiVersion: audit.k8s.io/v1, kind: Policy, rules: [...])'];
  const problems: string[] = [];
  if (!API_VERSIONS.has(String(doc['apiVersion']))) problems.push(`apiVersion: expected audit.k8s.io/v1, got ${JSON.stringify(doc['apiVersion'])}`);
  if (doc['kind'] !== 'Policy') problems.push(`kind: expected Policy, got ${JSON.stringify(doc['kind'])}`);
  for (const key of Object.keys(doc)) if (!POLICY_KEYS.has(key)) problems.push(`unknown key '${key}'`);
  problems.push(...stageProblems(doc['omitStages'], 'omitStages'));
  if (doc['omitManagedFields'] !== undefined && typeof doc['omitManagedFields'] !== 'boolean') problems.push('omitManagedFields: expected true or false');
  const rules = doc['rules'];
  // The apiserver refuses a policy without rules: it would audit nothing, which is never what was meant.
  if (!Array.isArray(rules) || rules.length === 0) {
    problems.push('rules: expected a non-empty list (a policy with no rules is refused by the apiserver)');
    return problems;
  }
  rules.forEach((rule, i) => problems.push(...ruleProblems(rule, `rules[${i}]`)));
  return problems;
}

function ruleProblems(rule: unknown, at: string): string[] {
  if (!isMap(rule)) return [`${at}: expected a map`];
  const problems: string[] = [];
  for (const key of Object.keys(rule)) if (!RULE_KEYS.has(key)) problems.push(`${at}: unknown key '${key}'`);
  if (!(LEVELS as readonly unknown[]).includes(rule['level'])) {
    problems.push(`${at}.level: expected one of ${LEVELS.join(', ')}, got ${JSON.stringify(rule['level'])}`);
  }
  for (const key of STRING_LISTS) if (!isStringList(rule[key])) problems.push(`${at}.${key}: expected a list of strings`);
  problems.push(...stageProblems(rule['omitStages'], `${at}.omitStages`));
  if (rule['omitManagedFields'] !== undefined && typeof rule['omitManagedFields'] !== 'boolean') problems.push(`${at}.omitManagedFields: expected true or false`);
  const resources = rule['resources'];
  if (resources !== undefined) {
    if (!Array.isArray(resources)) problems.push(`${at}.resources: expected a list of {group, resources, resourceNames}`);
    else resources.forEach((g, j) => problems.push(...groupProblems(g, `${at}.resources[${j}]`)));
  }
  // As the apiserver's validation: a rule is about resources or about non-resource URLs, never both.
  const scoped = nonEmpty(rule['resources']) || nonEmpty(rule['namespaces']);
  if (scoped && nonEmpty(rule['nonResourceURLs'])) problems.push(`${at}: nonResourceURLs cannot be combined with resources or namespaces`);
  for (const url of (rule['nonResourceURLs'] as unknown[] | undefined) ?? []) {
    if (typeof url === 'string' && !url.startsWith('/')) problems.push(`${at}.nonResourceURLs: '${url}' must start with /`);
    if (typeof url === 'string' && url.slice(0, -1).includes('*')) problems.push(`${at}.nonResourceURLs: '${url}': * is only allowed at the end`);
  }
  return problems;
}

function groupProblems(g: unknown, at: string): string[] {
  if (!isMap(g)) return [`${at}: expected a map`];
  const problems: string[] = [];
  for (const key of Object.keys(g)) if (!GROUP_KEYS.has(key)) problems.push(`${at}: unknown key '${key}'`);
  if (g['group'] !== undefined && typeof g['group'] !== 'string') problems.push(`${at}.group: expected a string ("" is the core group)`);
  for (const key of ['resources', 'resourceNames']) if (!isStringList(g[key])) problems.push(`${at}.${key}: expected a list of strings`);
  for (const r of (g['resources'] as unknown[] | undefined) ?? []) {
    // The apiserver accepts `*`, `name`, `name/sub`, `*/sub` and `name/*`; anything else never matches.
    if (typeof r === 'string' && !/^(\*|[^*/]+)(\/(\*|[^*/]+))?$/.test(r)) problems.push(`${at}.resources: '${r}' is not resource, resource/subresource, */subresource, resource/* or *`);
  }
  return problems;
}

function stageProblems(v: unknown, at: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return [`${at}: expected a list of stages`];
  return v.filter((s) => !(STAGES as readonly unknown[]).includes(s)).map((s) => `${at}: unknown stage ${JSON.stringify(s)} (${STAGES.join(', ')})`);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringList(v: unknown): boolean {
  return v === undefined || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
}

function nonEmpty(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0;
}

export function levelRank(level: AuditLevel): number {
  return LEVELS.indexOf(level);
}
