/**
 * The native batch decoder, when it was built (`npm ci` builds it where Debian's libsimdjson-dev is installed; see
 * scripts/build.mjs). One call per batch of bus messages: each message is validated by simdjson (strictly: a message
 * is refused exactly when JSON.parse refuses it) and returned as a JSON text of the same payload with only the members
 * of the extraction plan, plus the byte range of each of its events, so that an alert can be rendered from the full
 * event. A message it cannot take (invalid JSON, too deep, an integer beyond 64 bits...) comes back as an error code,
 * and the caller decodes that one with JSON.parse as if there were no native decoder.
 */
import { createRequire } from 'node:module';

interface Binding {
  createExtractor(planJson: string): unknown;
  extractBatch(handle: unknown, bytes: Uint8Array, ends: Uint32Array): ExtractedBatch;
  errorMessage(code: number): string;
  implementation(): string;
}

/** The result of one batch. */
export interface ExtractedBatch {
  /** Per message: its payload pruned to the plan, or the simdjson error code when it could not be extracted. */
  readonly texts: readonly (string | number)[];
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
}

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

function load(): NativeDecoderStatus {
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
  };
  return { available: true, decoder };
}
