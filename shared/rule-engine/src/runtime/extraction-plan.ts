/**
 * The extraction plan: which members of each audit event a ruleset's fields can look at. The native decoder
 * (shared/simd-decode) builds an event object pruned to the plan of the fields that are not slots (SlotPlan.object,
 * runtime/slots.ts) when one of them asks, so that it costs what they read rather than what the apiserver wrote
 * (managed fields, status, most of a spec).
 *
 * A plan is a tree of member names; `true` keeps a member's whole value, a subtree keeps only the members it names
 * (applied to each element when the value is an array, as the field extractors walk arrays); `'event'` keeps
 * everything. Besides what the fields declare (FieldInfo.reads), a plan always keeps what decoding, the rule index and
 * alerts read: `kind`, `auditID`, `stage`, `stageTimestamp`, `verb` and `objectRef.resource`.
 */
import type { FieldReads } from '../fields/types.js';

export interface PlanNode {
  readonly [member: string]: PlanNode | true;
}

export type ExtractionPlan = 'event' | PlanNode;

/** Read by decoding (payload shape, event time), the rule index and alert ids, whatever the rules are. */
const ALWAYS_READ: readonly (readonly string[])[] = [
  ['kind'], ['auditID'], ['stage'], ['stageTimestamp'], ['verb'], ['objectRef', 'resource'],
];

/** The plan that keeps the members every given read needs. */
export function buildExtractionPlan(reads: Iterable<FieldReads>): ExtractionPlan {
  const root: Record<string, unknown> = {};
  for (const path of ALWAYS_READ) addPath(root, path);
  for (const read of reads) {
    if (read === 'event') return 'event';
    for (const path of read) {
      if (path.length === 0) return 'event';
      addPath(root, path);
    }
  }
  return root as PlanNode;
}

/** Marks `path` as kept whole. A member already kept whole stays so; a subtree under a new whole member is dropped. */
function addPath(root: Record<string, unknown>, path: readonly string[]): void {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const last = i === path.length - 1;
    const existing = Object.hasOwn(node, key) ? node[key] : undefined;
    if (existing === true) return;
    if (last) {
      setOwn(node, key, true);
      return;
    }
    if (existing === undefined) {
      const child: Record<string, unknown> = {};
      setOwn(node, key, child);
      node = child;
    } else {
      node = existing as Record<string, unknown>;
    }
  }
}

/** defineProperty, not assignment: a member named `__proto__` (a rule may name any) must become an own member. */
function setOwn(node: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}
