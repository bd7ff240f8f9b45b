/**
 * Which `objectRef.resource` values can a rule match? The evaluator only runs a rule on events of those resources,
 * so a pod rule is never tried on a configmap event. Inferred from the expanded condition, never declared:
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
 * An empty set means the condition can never be true.
 */
import { assertNever, type Check, type Expr } from '../syntax/ast.js';

export const ANY_RESOURCE = 'any' as const;
export type PartitionKeys = ReadonlySet<string> | typeof ANY_RESOURCE;

const RESOURCE_FIELDS = new Set(['ka.target.resource']);
const RESOURCE_POINTER_FIELDS = new Set(['jevt.value', 'json.value']);

export function partitionKeys(e: Expr): PartitionKeys {
  switch (e.kind) {
    case 'and': {
      let acc: PartitionKeys = ANY_RESOURCE;
      for (const child of e.children) acc = intersect(acc, partitionKeys(child));
      return acc;
    }
    case 'or': {
      let acc: PartitionKeys = new Set<string>();
      for (const child of e.children) {
        const keys = partitionKeys(child);
        if (keys === ANY_RESOURCE) return ANY_RESOURCE;
        acc = new Set([...acc, ...keys]);
      }
      return acc;
    }
    case 'not':
    case 'macro':
      return ANY_RESOURCE;
    case 'check':
      return checkKeys(e);
    default:
      return assertNever(e);
  }
}

function checkKeys(c: Check): PartitionKeys {
  const left = c.left;
  if (left.kind !== 'field' || c.modifier) return ANY_RESOURCE;
  const isResource = (RESOURCE_FIELDS.has(left.name) && left.arg === undefined) ||
    (RESOURCE_POINTER_FIELDS.has(left.name) && left.arg === '/objectRef/resource');
  if (!isResource) return ANY_RESOURCE;
  const right = c.right;
  if ((c.op === '=' || c.op === '==') && right?.kind === 'string') return new Set([right.value]);
  if ((c.op === 'in' || c.op === 'intersects') && right?.kind === 'list') return new Set(right.items.map((i) => i.value));
  return ANY_RESOURCE;
}

function intersect(a: PartitionKeys, b: PartitionKeys): PartitionKeys {
  if (a === ANY_RESOURCE) return b;
  if (b === ANY_RESOURCE) return a;
  return new Set([...a].filter((x) => b.has(x)));
}
