/**
 * Which `objectRef.resource` values, and which verbs, can a rule match? The evaluator only runs a rule on events of
 * those resources and verbs, so a pod rule is never tried on a configmap event, nor a `create` rule on the `watch`
 * events that make most of the traffic. Inferred from the expanded condition, never declared; for the resource:
 *
 *   ka.target.resource = r            -> {r}          (also jevt.value[/objectRef/resource] and json.value)
 *   ka.target.resource in (r1, r2)    -> {r1, r2}     (and `intersects`)
 *   A and B                           -> keys(A) ∩ keys(B)   (ANY is the whole set)
 *   A or B                            -> keys(A) ∪ keys(B)   (ANY absorbs)
 *   not A, any other check            -> ANY
 *
 * This is sound: when the result is a set S, the condition is false for every event whose resource is not in S
 * (a check on a missing field is false, so an event without a resource never matches a narrowed rule). `not` is not
 * pushed inward because `not (resource != x)` is true for events with no resource at all.
 * An empty set means the condition can never be true. The verb works the same way, with `ka.verb` and
 * `jevt.value[/verb]`; so do the subresource (`ka.target.subresource`) and the stage (`ka.stage`, `jevt.value[/stage]`),
 * which the index does not use but tools do (`peregrine setup check`: which requests and stages a rule needs audited).
 * For those two, ANY also covers events without one: `not ka.target.subresource exists` is not narrowed.
 */
import { assertNever, type Check, type Expr } from '../syntax/ast.js';

export const ANY_KEY = 'any' as const;
export type PartitionKeys = ReadonlySet<string> | typeof ANY_KEY;

/** What a rule is partitioned by: the event's `objectRef.resource` or its `verb` (and, for tools, two more keys). */
export type PartitionKey = 'resource' | 'verb' | 'subresource' | 'stage';

/** The fields that read each key: a `ka.*` field without argument, or the JSON pointer of `jevt.value`/`json.value`. */
const KEY_FIELDS: Readonly<Record<PartitionKey, { field: string; pointer: string }>> = {
  resource: { field: 'ka.target.resource', pointer: '/objectRef/resource' },
  verb: { field: 'ka.verb', pointer: '/verb' },
  subresource: { field: 'ka.target.subresource', pointer: '/objectRef/subresource' },
  stage: { field: 'ka.stage', pointer: '/stage' },
};
const POINTER_FIELDS = new Set(['jevt.value', 'json.value']);

export function partitionKeys(e: Expr, key: PartitionKey = 'resource'): PartitionKeys {
  switch (e.kind) {
    case 'and': {
      let acc: PartitionKeys = ANY_KEY;
      for (const child of e.children) acc = intersect(acc, partitionKeys(child, key));
      return acc;
    }
    case 'or': {
      let acc: PartitionKeys = new Set<string>();
      for (const child of e.children) {
        const keys = partitionKeys(child, key);
        if (keys === ANY_KEY) return ANY_KEY;
        acc = new Set([...acc, ...keys]);
      }
      return acc;
    }
    case 'not':
    case 'macro':
      return ANY_KEY;
    case 'check':
      return checkKeys(e, key);
    default:
      return assertNever(e);
  }
}

function checkKeys(c: Check, key: PartitionKey): PartitionKeys {
  const left = c.left;
  if (left.kind !== 'field' || c.modifier) return ANY_KEY;
  const { field, pointer } = KEY_FIELDS[key];
  const readsKey = (left.name === field && left.arg === undefined) || (POINTER_FIELDS.has(left.name) && left.arg === pointer);
  if (!readsKey) return ANY_KEY;
  const right = c.right;
  if ((c.op === '=' || c.op === '==') && right?.kind === 'string') return new Set([right.value]);
  if ((c.op === 'in' || c.op === 'intersects') && right?.kind === 'list') return new Set(right.items.map((i) => i.value));
  return ANY_KEY;
}

function intersect(a: PartitionKeys, b: PartitionKeys): PartitionKeys {
  if (a === ANY_KEY) return b;
  if (b === ANY_KEY) return a;
  return new Set([...a].filter((x) => b.has(x)));
}
