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
import { type DecodedPayload, decodeAuditPayload, decodeSlotMessage, payloadCandidates, type SlotMessage } from '@peregrine/rule-engine';
import type { ExtractedMessage, SlotExtractor } from '@peregrine/simd-decode';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Message i of a task: bytes[ends[i-1], ends[i]). */
export function decodeMessage(
  bytes: Uint8Array,
  start: number,
  end: number,
  cluster: string,
  extractor: SlotExtractor | undefined,
): DecodedPayload {
  if (extractor !== undefined) {
    // The view runs to the end of the buffer, so that simdjson can use the bytes after the message as its padding.
    const view = bytes.subarray(start);
    const extracted = extractor.extract(view, end - start);
    if (typeof extracted === 'object') return decodeSlotMessage(slotMessage(extracted, extractor, view.subarray(0, end - start)), cluster);
  }
  return decodeAuditPayload(utf8.decode(bytes.subarray(start, end)), cluster);
}

/** Every message of a task, decoded in turn, handed to `each` before the next one is decoded. */
export function forEachMessage(
  bytes: Uint8Array,
  ends: Uint32Array,
  clusters: readonly (string | undefined)[],
  extractor: SlotExtractor | undefined,
  each: (index: number, decoded: DecodedPayload) => void,
): void {
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    each(i, decodeMessage(bytes, start, end, clusters[i] ?? 'default', extractor));
    start = end;
  }
}

type EventObject = Readonly<Record<string, unknown>>;

/**
 * The extracted message as the rule engine reads it. An event object (pruned, or complete for an alert) comes from
 * the extractor while it still holds this message, which is while its events are evaluated; asked for later, it is
 * parsed from the message's own bytes (the same value: what JSON.parse of the message gives for that event).
 */
function slotMessage(extracted: ExtractedMessage, extractor: SlotExtractor, message: Uint8Array): SlotMessage {
  const { generation } = extracted;
  let candidates: unknown[] | undefined;
  const parsed = (index: number): EventObject =>
    ((candidates ??= payloadCandidates(utf8.decode(message)) ?? [])[index] ?? {}) as EventObject;
  const fromText = (text: string | undefined, index: number): EventObject =>
    text === undefined ? parsed(index) : (JSON.parse(text) as EventObject);
  return {
    count: extracted.count,
    slotCount: extractor.slotCount,
    text: extracted.text,
    types: extracted.types,
    numbers: extracted.numbers,
    marks: extracted.marks,
    pruned: (index) => fromText(extractor.prunedEvent(generation, index), index),
    complete: (index) => fromText(extractor.completeEvent(generation, index), index),
  };
}
