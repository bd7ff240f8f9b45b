/**
 * Slots: the member paths that the native decoder (shared/simd-decode) fills in, per event, as typed values, so that
 * the fields reading them (`ka.user.name`, `ka.verb`, `ka.req.configmap.obj`, ... every field whose value is that of
 * one path of object members) run without an event object. A slot's value is the JavaScript value JSON.parse would
 * give for that member (an object or array comes as its compact JSON text, parsed when read), so that a field reads
 * it with the same code in both decoders.
 *
 * Slot numbers are given out once per thread, the first time a path is asked for, and never change: a compiled
 * extractor keeps its slot number, whatever ruleset it ends up in. The first four are what decoding and the rule
 * index read of every event.
 */
import { buildExtractionPlan, type ExtractionPlan } from './extraction-plan.js';
import type { FieldReads, OperandReads } from '../fields/types.js';

/** What an event with slots offers the fields: whether a slot holds a value, and the value. */
export interface EventSlots {
  has(slot: number): boolean;
  /** The slot's value as JSON.parse would give it, or undefined when the member is missing. */
  value(slot: number): unknown;
}

const paths: (readonly string[])[] = [];
const numbers = new Map<string, number>();

/** The slot of a path of object members (given out on first use). */
export function slotOf(path: readonly string[]): number {
  const key = JSON.stringify(path);
  let slot = numbers.get(key);
  if (slot === undefined) {
    slot = paths.length;
    paths.push([...path]);
    numbers.set(key, slot);
  }
  return slot;
}

export const SLOT_AUDIT_ID = slotOf(['auditID']);
export const SLOT_STAGE_TIMESTAMP = slotOf(['stageTimestamp']);
export const SLOT_VERB = slotOf(['verb']);
export const SLOT_RESOURCE = slotOf(['objectRef', 'resource']);
const ALWAYS_FILLED = [SLOT_AUDIT_ID, SLOT_STAGE_TIMESTAMP, SLOT_VERB, SLOT_RESOURCE];

/** The types of a slot, as the native decoder writes them (shared/simd-decode/src/native/slots.h). */
export const SlotType = { absent: 0, string: 1, number: 2, true: 3, false: 4, null: 5, json: 6 } as const;

/**
 * What a ruleset needs the native decoder to extract: the path of every slot up to the highest one its conditions
 * read (an empty path for a slot they do not: never filled), and the members an event object must keep for the fields
 * that are not slots (`object`, see extraction-plan.ts).
 */
export interface SlotPlan {
  readonly slots: readonly (readonly string[])[];
  readonly object: ExtractionPlan;
}

/** The slot plan of what the given operands read. */
export function buildSlotPlan(reads: Iterable<OperandReads>): SlotPlan {
  const used = new Set(ALWAYS_FILLED);
  const objectReads: FieldReads[] = [];
  for (const read of reads) {
    if (typeof read === 'object' && 'slot' in read) used.add(read.slot);
    else objectReads.push(read);
  }
  const count = Math.max(...used) + 1;
  const slots = Array.from({ length: count }, (_, slot) => (used.has(slot) ? paths[slot]! : []));
  return { slots, object: buildExtractionPlan(objectReads) };
}
