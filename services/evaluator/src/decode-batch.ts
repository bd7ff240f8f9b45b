/**
 * From a task's bytes to decoded payloads, one per message, with the native decoder when the worker has one. A message
 * the native decoder refuses (invalid JSON, nesting too deep, a number simdjson cannot hold...) is decoded with
 * JSON.parse, exactly as without the native decoder, so that its events or its dead-letter reason are the same.
 */
import { type DecodedPayload, decodeAuditPayload } from '@peregrine/rule-engine';
import type { BatchExtractor } from '@peregrine/simd-decode';

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function decodeMessages(
  bytes: Uint8Array,
  ends: Uint32Array,
  clusters: readonly (string | undefined)[],
  extractor: BatchExtractor | undefined,
): DecodedPayload[] {
  const batch = extractor?.extract(bytes, ends);
  const decoded: DecodedPayload[] = [];
  let start = 0;
  let range = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    const cluster = clusters[i] ?? 'default';
    const pruned = batch?.texts[i];
    if (batch !== undefined && typeof pruned === 'string') {
      const first = range;
      range += 2 * batch.counts[i]!;
      const complete = (candidate: number) => completeEvent(bytes, batch.ranges, first + 2 * candidate);
      decoded.push(decodeAuditPayload(pruned, cluster, { complete }));
    } else {
      decoded.push(decodeAuditPayload(utf8.decode(bytes.subarray(start, end)), cluster));
    }
    start = end;
  }
  return decoded;
}

/** The complete event at ranges[at], ranges[at + 1], parsed on first use (when a rule matched it) and kept. */
function completeEvent(bytes: Uint8Array, ranges: Uint32Array, at: number): () => Readonly<Record<string, unknown>> {
  let json: Readonly<Record<string, unknown>> | undefined;
  return () => (json ??= JSON.parse(utf8.decode(bytes.subarray(ranges[at], ranges[at + 1]))) as Readonly<Record<string, unknown>>);
}
