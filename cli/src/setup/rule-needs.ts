/**
 * What a detection rule needs from the audit policy: the kinds of request it can match (from the resources,
 * subresources and verbs the rule engine inferred from its condition), the stages, and the audit level that puts the
 * fields it reads into the event:
 *
 *   Metadata         user, verb, objectRef, responseStatus (ka.response.code), annotations (ka.auth.*), sourceIPs...
 *   Request          + requestObject: the ka.req.* fields (the pod spec, a role's rules...), jevt.value[/requestObject/...]
 *   RequestResponse  + responseObject: ka.resp.*, ka.target.pod.name, jevt.value[/responseObject/...]
 *
 * Below the level its condition needs, a rule can never fire (its checks on a missing field are false); below the
 * level its output needs, it fires but prints <NA> for those fields.
 */
import type { CompiledRule } from '@peregrine/rule-engine';
import type { AuditLevel } from './audit-policy.js';
import { levelRank } from './audit-policy.js';
import { type RequestKind, resourceKinds } from './policy-match.js';

/** A rule's inferred keys: a set of values, or `any`. */
type Keys = CompiledRule['partition'];

export interface LevelNeed {
  readonly level: AuditLevel;
  /** The fields that need that level (empty for Metadata). */
  readonly fields: readonly string[];
}

export interface RuleNeeds {
  readonly rule: CompiledRule;
  readonly condition: LevelNeed;
  readonly output: LevelNeed;
  /** The stages the condition can match, or `any`. */
  readonly stages: Keys;
  /** The kinds of request it can match; empty when the condition can never be true. */
  readonly kinds: readonly RequestKind[];
}

/** `ka.req.*` fields that read no request body: the configmap name is objectRef.name; has_name is a constant. */
const REQ_FIELDS_WITHOUT_BODY = new Set(['ka.req.configmap.name', 'ka.req.binding.subject.has_name']);
/** Fields of the response body that are not named ka.resp.*. */
const RESPONSE_FIELDS = new Set(['ka.target.pod.name']);
/** A field reference inside an operand's text (`jevt.value[/requestObject/spec]`, `tolower(ka.user.name)`). */
const FIELD_REF = /\b((?:ka|jevt|json|evt)\.[A-Za-z0-9_.]*[A-Za-z0-9_])(?:\[([^\]]*)\])?/g;

export function ruleNeeds(rule: CompiledRule): RuleNeeds {
  return {
    rule,
    condition: levelNeed(rule.fields),
    output: levelNeed(rule.output.fieldNames),
    stages: rule.stages,
    kinds: requestKinds(rule),
  };
}

/** The level at which an audit event carries `field` (with its argument, for jevt.value's JSON pointer). */
export function levelForField(field: string, arg?: string): AuditLevel {
  const name = field.replace(/^json\./, 'jevt.');
  if (name === 'jevt.value' && arg !== undefined) {
    const top = arg.replace(/^\//, '').split('/')[0];
    if (top === 'requestObject') return 'Request';
    if (top === 'responseObject') return 'RequestResponse';
    return 'Metadata';
  }
  if (name.startsWith('ka.resp.') || RESPONSE_FIELDS.has(name)) return 'RequestResponse';
  if (name.startsWith('ka.req.') && !REQ_FIELDS_WITHOUT_BODY.has(name)) return 'Request';
  return 'Metadata';
}

/** The highest level the operands need, and the fields that need it. */
export function levelNeed(operands: readonly string[]): LevelNeed {
  let level: AuditLevel = 'Metadata';
  let fields: string[] = [];
  for (const operand of operands) {
    for (const m of operand.matchAll(FIELD_REF)) {
      const text = m[2] === undefined ? m[1]! : `${m[1]}[${m[2]}]`;
      const need = levelForField(m[1]!, m[2]);
      if (levelRank(need) > levelRank(level)) {
        level = need;
        fields = [];
      }
      if (need === level && need !== 'Metadata' && !fields.includes(text)) fields.push(text);
    }
  }
  return { level, fields };
}

function requestKinds(rule: CompiledRule): RequestKind[] {
  const verbs = keyList(rule.verbs);
  if (rule.partition === 'any') return verbs.map((verb) => ({ verb }));
  // A rule not narrowed to subresources is judged on the objects themselves: `not ka.target.subresource exists` is
  // how rules say so, and it leaves the key open.
  const subresources = rule.subresources === 'any' ? [''] : [...rule.subresources];
  const kinds: RequestKind[] = [];
  for (const resource of rule.partition) {
    for (const subresource of subresources) {
      for (const verb of verbs) kinds.push(...resourceKinds(resource, subresource, verb));
    }
  }
  return kinds;
}

/** A key set as a list, with `any` as the one member undefined. */
function keyList(keys: Keys): (string | undefined)[] {
  return keys === 'any' ? [undefined] : [...keys];
}
