/**
 * The native batch decoder, when it was built (`npm ci` builds it where Debian's libsimdjson-dev is installed; see
 * scripts/build.mjs). One call per batch of bus messages: each message is validated by simdjson (strictly: a message
 * is refused exactly when JSON.parse refuses it) and its events come back one JSON text each, holding only the members
 * of the extraction plan, plus the byte range of each event, so that an alert can be rendered from the full event. A
 * message it cannot take (invalid JSON, too deep, an integer beyond 64 bits, not a plain list of events...) comes back
 * as an error code, and the caller decodes that one with JSON.parse as if there were no native decoder.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface Binding {
  scanAudit(bytes: Uint8Array, ranges: boolean): { shape: number; count: number; ranges?: Uint32Array } | undefined;
  createExtractor(planJson: string): unknown;
  extractBatch(handle: unknown, bytes: Uint8Array, ends: Uint32Array): ExtractedBatch;
  errorMessage(code: number): string;
  implementation(): string;
}

/** The result of one batch. */
export interface ExtractedBatch {
  /**
   * Per message: its events in payload order (every Event object and EventList item), each pruned to the plan; or
   * an error code when it could not be extracted (see `errorMessage`).
   */
  readonly texts: readonly (readonly string[] | number)[];
  /** Per message: how many event ranges it has in `ranges`. */
  readonly counts: Uint32Array;
  /** [start, end) byte offsets in the batch of every event, message after message, in payload order. */
  readonly ranges: Uint32Array;
}

export interface BatchExtractor {
  /** Extracts messages bytes[ends[i-1], ends[i]). simdjson may read 64 bytes past a message: pad the buffer if you can. */
  extract(bytes: Uint8Array, ends: Uint32Array): ExtractedBatch;
}

export interface NativeDecoder {
  /** The SIMD kernel simdjson chose for this CPU (`icelake`, `haswell`, `westmere`, `fallback`, ...). */
  readonly implementation: string;
  /** An extractor for a plan (`'event'`, or the tree of `@peregrine/rule-engine`'s ExtractionPlan). */
  createExtractor(plan: unknown): BatchExtractor;
  /** simdjson's description of an error code from `ExtractedBatch.texts`. */
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
      const handle = binding.createExtractor(JSON.stringify(plan));
      return { extract: (bytes, ends) => binding.extractBatch(handle, bytes, ends) };
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
