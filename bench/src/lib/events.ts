/**
 * The audit events every bench of this set sends or evaluates, from one place, so that pool, ingest and e2e measure
 * the same mix: the project's generator (gen/audit-events.ts), whose fixed seed gives the same events, byte for byte,
 * on every machine. Each bench names its seed in its notes, so a figure can always be reproduced on the same input.
 */
import { type AuditEventJson, generateEvents, toEventLists } from '../gen/audit-events.js';

export type { AuditEventJson };

/** Says where the events came from, for a result's settings. */
export const EVENT_SOURCE = 'bench/src/gen/audit-events.ts';

/** The first `count` generated events of `seed`. */
export function benchEvents(count: number, seed: number): AuditEventJson[] {
  return generateEvents(count, seed);
}

/** EventList bodies of `size` events each (the last may be shorter), as the apiserver's webhook sends them. */
export function eventListBodies(events: readonly AuditEventJson[], size: number): string[] {
  return toEventLists(events, size);
}
