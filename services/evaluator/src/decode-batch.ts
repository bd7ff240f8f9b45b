/**
 * From a task's bytes to decoded payloads, message by message, with the native decoder when the worker has one. A
 * message the native decoder refuses (invalid JSON, nesting too deep, a number simdjson cannot hold, not a plain list
 * of events...) is decoded with JSON.parse, exactly as without the native decoder, so that its events or its
 * dead-letter reason are the same.
 *
 * One message at a time, on purpose: a message's events are decoded, evaluated and dropped before the next one is
 * decoded, so the young generation holds one message's objects, not a whole batch's (decoding every message of a
 * 500-message task first kept ~50,000 events alive through every scavenge, and made decoding up to 2x slower).
 */
import { type DecodedPayload, decodeAuditEvents, decodeAuditPayload } from '@peregrine/rule-engine';
import type { BatchExtractor } from '@peregrine/simd-decode';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Message i of a task: bytes[ends[i-1], ends[i]). */
export function decodeMessage(
  bytes: Uint8Array,
  start: number,
  end: number,
  cluster: string,
  extractor: BatchExtractor | undefined,
): DecodedPayload {
  if (extractor !== undefined) {
    // The view runs to the end of the buffer, so that simdjson can use the bytes after the message as its padding.
    const view = bytes.subarray(start);
    const batch = extractor.extract(view, Uint32Array.of(end - start));
    const texts = batch.texts[0];
    if (typeof texts === 'object') {
      const complete = (candidate: number) => completeEvent(view, batch.ranges, 2 * candidate);
      return decodeAuditEvents(texts, cluster, { complete });
    }
  }
  return decodeAuditPayload(utf8.decode(bytes.subarray(start, end)), cluster);
}

/** Every message of a task, decoded in turn, handed to `each` before the next one is decoded. */
export function forEachMessage(
  bytes: Uint8Array,
  ends: Uint32Array,
  clusters: readonly (string | undefined)[],
  extractor: BatchExtractor | undefined,
  each: (index: number, decoded: DecodedPayload) => void,
): void {
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    each(i, decodeMessage(bytes, start, end, clusters[i] ?? 'default', extractor));
    start = end;
  }
}

/** The complete event at ranges[at], ranges[at + 1], parsed on first use (when a rule matched it) and kept. */
function completeEvent(bytes: Uint8Array, ranges: Uint32Array, at: number): () => Readonly<Record<string, unknown>> {
  const start = ranges[at]!;
  const end = ranges[at + 1]!;
  let json: Readonly<Record<string, unknown>> | undefined;
  return () => (json ??= JSON.parse(utf8.decode(bytes.subarray(start, end))) as Readonly<Record<string, unknown>>);
}
