import type { EventSlots } from './runtime/slots.js';

/**
 * The audit event as the rule engine sees it: one `audit.k8s.io` Event object, already decoded, with the time Falco
 * gives it (its `stageTimestamp`, in nanoseconds) and the cluster that ingest assigned, when there is one.
 */
export interface AuditEvent {
  /** The decoded Event object (`auditID`, `verb`, `objectRef`, `requestObject`, ...). */
  readonly json: Readonly<Record<string, unknown>>;
  /** The event time in nanoseconds since the epoch: the event's `stageTimestamp` (Falco's event timestamp). */
  readonly timeNs: bigint;
  /** The cluster ingest tagged the event with; `ka.cluster.name` prefers it over the `cluster_name` annotation. */
  readonly cluster?: string | undefined;
  /**
   * Set when `json` holds only the members the rules read (the native decoder's events, runtime/slot-event.ts): the
   * complete Event object, decoded on demand. Conditions read `json` and the slots; alerts are built from the complete
   * event, so that their output fields and ids are those of the JSON.parse path.
   */
  readonly complete?: (() => Readonly<Record<string, unknown>>) | undefined;
  /**
   * Set when the native decoder filled the event's slots (runtime/slots.ts): the fields that read a slot read it here,
   * and `json` then holds only the members the other fields read, built when one of them first asks.
   */
  readonly slots?: EventSlots | undefined;
}
