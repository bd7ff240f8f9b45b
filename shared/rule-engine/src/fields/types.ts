/**
 * The contract between the field tables (`ka.*`, `jevt.*`/`json.*`, `evt.*`) and the compiler.
 *
 * A field is looked up by name once, at rule load time; `compile(arg)` validates the argument and returns an
 * extractor that the compiled rule calls per event. Extractors never throw: a value that is absent, of the wrong
 * JSON type, or an empty list is `undefined` ("not available"), which makes every comparison on it false
 * (Falco's semantics: only `exists` can test presence).
 */
import type { AuditEvent } from '../event.js';

/** A string for scalar fields, a non-empty array for list fields, or `undefined` when not available. */
export type FieldValue = string | readonly string[] | undefined;

export type Extractor = (event: AuditEvent) => FieldValue;

/**
 * What a field reads of the event: the member paths whose whole value it may look at (`[['user', 'username']]`),
 * or `'event'` when it may look at anything. An array met on a path is walked element by element, as the extractors
 * walk it. The native decoder keeps only these members of each event (runtime/extraction-plan.ts), so a path left
 * out here is a value the field no longer sees: declare generously, and `'event'` when unsure.
 */
export type FieldReads = 'event' | readonly (readonly string[])[];

/**
 * What one compiled use of a field reads: member paths, or one slot (runtime/slots.ts), a path whose value the native
 * decoder hands over typed, so that the field needs no event object.
 */
export type OperandReads = FieldReads | { readonly slot: number };

/**
 * `none`: the field takes no argument. `index`: an optional numeric `[N]`. `key`: a required `[key]`.
 * `optional-key`: an optional `[key]` (`jevt.value` without an argument is the whole event).
 */
export type FieldArgKind = 'none' | 'index' | 'key' | 'optional-key';

/**
 * `string`: compared as strings (every k8saudit field). `uint64`/`abstime`: numbers, compared numerically; their
 * extractors still return decimal strings.
 */
export type FieldType = 'string' | 'uint64' | 'abstime';

export interface FieldInfo {
  /** Canonical name, e.g. `ka.user.name`. */
  readonly name: string;
  /** Other names that resolve to this field (e.g. `json.value` for `jevt.value`). */
  readonly aliases?: readonly string[];
  readonly type: FieldType;
  /** List fields accept only `in`, `intersects` and `exists`, and render as `(a,b)` in outputs. */
  readonly isList: boolean;
  readonly arg: FieldArgKind;
  /** One sentence for `peregrine fields`. */
  readonly desc: string;
  /**
   * Builds the extractor for one use of the field. `arg` is the raw text inside `[...]`, or undefined when there
   * were no brackets. Throws `FieldArgError` when the argument is missing, not allowed or malformed.
   */
  compile(arg: string | undefined): Extractor;
  /** What one use of the field (with this argument) reads of the event; without it, the whole event. */
  reads?(arg: string | undefined): FieldReads;
  /**
   * The slot that one use of the field reads instead, when its value is that of one path of object members
   * (runtime/slots.ts): its extractor then reads `AuditEvent.slots` when the event has them. Undefined: it reads `json`.
   */
  slot?(arg: string | undefined): number | undefined;
}

/** Thrown by `FieldInfo.compile` for a bad argument; the loader turns it into a positioned diagnostic. */
export class FieldArgError extends Error {
  override readonly name = 'FieldArgError';
}
