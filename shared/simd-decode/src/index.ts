/**
 * The native decoder, when it was built (`npm ci` builds it where Debian's libsimdjson-dev is installed; see
 * scripts/build.mjs). One call per bus message: simdjson validates it, finds its events, and fills for each event one
 * typed value per slot, a slot being a path of object members the rules read (`@peregrine/rule-engine`'s SlotPlan).
 * The rules read those values without an event object. Until the next message, the parsed message stays in the
 * extractor: an event's other members (pruned to the plan's object part) or its complete text can be asked for while
 * the rules run on it.
 *
 * simdjson refuses every message JSON.parse refuses, and a few more: nesting deeper than 1024, a number it cannot
 * hold (an integer beyond 64 bits, 1e400), a lone-surrogate escape, a leading byte-order mark; also valid JSON that is
 * not a plain list of events, and a message with far more events than its size suggests (a long list of empty
 * objects: maxCells in src/native/slots.h). Each comes back as an error code, and the caller decodes that message with
 * JSON.parse as if there were no native decoder, so that both give the same events and dead letters.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface RawMessage {
  readonly text: string;
  readonly cells: ArrayBuffer;
  readonly count: number;
  readonly generation: number;
}

interface Binding {
  scanAudit(bytes: Uint8Array, ranges: boolean): { shape: number; count: number; ranges?: Uint32Array } | undefined;
  createExtractor(slotsJson: string, planJson: string): unknown;
  extract(handle: unknown, bytes: Uint8Array, length: number): RawMessage | number;
  prunedEvent(handle: unknown, generation: number, index: number): string | undefined;
  completeEvent(handle: unknown, generation: number, index: number): string | undefined;
  errorMessage(code: number): string;
  implementation(): string;
}

/** What the extractor reads: one member path per slot (empty: unused), and the members an event object keeps. */
export interface SlotPlan {
  readonly slots: readonly (readonly string[])[];
  /** `'event'`, or the tree of `@peregrine/rule-engine`'s ExtractionPlan. */
  readonly object: unknown;
}

/**
 * One message's events (every Event object and EventList item, in payload order) and their slots. Cell `e * S + k`
 * (S slots) is slot k of event e: its type (see SLOT_TYPES), its number when it is one, and where its text ends in
 * `text` (UTF-16 units; it starts where the previous cell's ends): a string's text, or an object's compact JSON.
 */
export interface ExtractedMessage {
  readonly count: number;
  readonly text: string;
  readonly types: Uint8Array;
  readonly numbers: Float64Array;
  readonly marks: Uint32Array;
  /** Which extraction this was: prunedEvent and completeEvent answer for the latest one only. */
  readonly generation: number;
}

/** The slot types of ExtractedMessage.types (src/native/slots.h). */
export const SLOT_TYPES = { absent: 0, string: 1, number: 2, true: 3, false: 4, null: 5, json: 6 } as const;

export interface SlotExtractor {
  /** How many slots each event has (the plan's). */
  readonly slotCount: number;
  /**
   * Extracts the message bytes[0, length); simdjson may read 64 bytes past it (pass a longer view when you can, or it
   * copies the message). A number is simdjson's error code: decode that message with JSON.parse.
   */
  extract(bytes: Uint8Array, length: number): ExtractedMessage | number;
  /** Event `index` of the message of `generation`, pruned to the plan's object part, as JSON; undefined once the extractor moved on. */
  prunedEvent(generation: number, index: number): string | undefined;
  /** Event `index` of the message of `generation`, complete, as compact JSON; undefined once the extractor moved on. */
  completeEvent(generation: number, index: number): string | undefined;
}

export interface NativeDecoder {
  /** The SIMD kernel simdjson chose for this CPU (`icelake`, `haswell`, `westmere`, `fallback`, ...). */
  readonly implementation: string;
  /** An extractor for a ruleset's slots and object plan. */
  createExtractor(plan: SlotPlan): SlotExtractor;
  /** simdjson's description of an error code that `extract` returned. */
  errorMessage(code: number): string;
  /**
   * Ingest's fast path for a webhook body: when the body is strict JSON of an audit shape with nothing unusual in it,
   * its shape and each event's [start, end) bytes; otherwise undefined, and ingest's own scanner decides (and words
   * the error). Never a verdict of its own: what it accepts, ingest's scanner accepts the same way. With
   * `ranges: false` it only counts the events (one pass less: for a body that is stored whole).
   */
  scanAudit(bytes: Uint8Array, options?: { readonly ranges?: boolean }): AuditScan | undefined;
}

export interface AuditScan {
  readonly shape: 'EventList' | 'Event' | 'Array';
  readonly count: number;
  /** [start, end) byte offsets of each event, in order; absent when not asked for. */
  readonly ranges?: Uint32Array | undefined;
}

const SHAPES = [undefined, 'EventList', 'Event', 'Array'] as const;

export type NativeDecoderStatus =
  | { readonly available: true; readonly decoder: NativeDecoder }
  | { readonly available: false; readonly reason: string };

/** Bytes of slack simdjson may read past a message; a batch buffer this much longer than its messages is never copied. */
export const NATIVE_PADDING = 64;

let status: NativeDecoderStatus | undefined;

/** Loads the addon once per thread; never throws (a missing or broken build is a reason, not an error). */
export function loadNativeDecoder(): NativeDecoderStatus {
  status ??= load();
  return status;
}

/** Why this CPU cannot run the addon, or undefined: the CPU flags its build assumed (scripts/build.mjs records them). */
function cpuMismatch(): string | undefined {
  let requires: string[];
  try {
    requires = (JSON.parse(readFileSync(new URL('../build/Release/simd-target.json', import.meta.url), 'utf8')) as { requires?: string[] }).requires ?? [];
  } catch {
    return undefined; // built by hand (node-gyp rebuild): for this machine
  }
  if (requires.length === 0) return undefined;
  let cpu = '';
  try {
    cpu = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? '';
  } catch {
    return undefined;
  }
  const have = new Set(cpu.split(':')[1]?.trim().split(/\s+/) ?? []);
  const missing = requires.filter((f) => !have.has(f));
  return missing.length === 0 ? undefined
    : `the native decoder was built for CPUs with ${requires.join(', ')} and this one lacks ${missing.join(', ')}: rebuild it here (npm rebuild @peregrine/simd-decode)`;
}

/**
 * A member name with a lone surrogate (a rule may write `jevt.value[/\ud800]`) matches no key of any message the
 * extractor accepts (simdjson refuses lone-surrogate escapes, and such a message is decoded with JSON.parse), and
 * simdjson cannot take it in a plan either: such a slot is left unfilled, such a plan member dropped.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function matchablePath(path: readonly string[]): readonly string[] {
  return path.some((key) => LONE_SURROGATE.test(key)) ? [] : path;
}

function matchablePlan(plan: unknown): unknown {
  if (typeof plan !== 'object' || plan === null) return plan;
  const kept: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(plan)) {
    if (!LONE_SURROGATE.test(key)) Object.defineProperty(kept, key, { value: matchablePlan(member), enumerable: true });
  }
  return kept;
}

function load(): NativeDecoderStatus {
  const mismatch = cpuMismatch();
  if (mismatch) return { available: false, reason: mismatch };
  let binding: Binding;
  try {
    binding = createRequire(import.meta.url)('../build/Release/simd_decode.node') as Binding;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { available: false, reason: `the native decoder is not built (${message}); run npm rebuild @peregrine/simd-decode after apt-get install libsimdjson-dev` };
  }
  const decoder: NativeDecoder = {
    implementation: binding.implementation(),
    createExtractor(plan) {
      const handle = binding.createExtractor(JSON.stringify(plan.slots.map(matchablePath)), JSON.stringify(matchablePlan(plan.object)));
      return {
        slotCount: plan.slots.length,
        extract(bytes, length) {
          const raw = binding.extract(handle, bytes, length);
          if (typeof raw === 'number') return raw;
          const cells = raw.cells.byteLength / 13;
          return {
            count: raw.count,
            text: raw.text,
            generation: raw.generation,
            numbers: new Float64Array(raw.cells, 0, cells),
            marks: new Uint32Array(raw.cells, cells * 8, cells),
            types: new Uint8Array(raw.cells, cells * 12, cells),
          };
        },
        prunedEvent: (generation, index) => binding.prunedEvent(handle, generation, index),
        completeEvent: (generation, index) => binding.completeEvent(handle, generation, index),
      };
    },
    errorMessage: (code) => binding.errorMessage(code),
    scanAudit(bytes, options) {
      const found = binding.scanAudit(bytes, options?.ranges ?? true);
      const shape = found && SHAPES[found.shape];
      return found && shape ? { shape, count: found.count, ranges: found.ranges } : undefined;
    },
  };
  return { available: true, decoder };
}
