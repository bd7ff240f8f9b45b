/**
 * Splits one send() into produce requests that a broker accepts. Since Kafka's message format v2, the broker's
 * `message.max.bytes` limits a whole record batch, and kafkajs puts all the messages of one request for one
 * partition into one record batch; so a send of many small messages (a webhook's EventList) could be refused as
 * MESSAGE_TOO_LARGE although each message is small. Chunks keep the caller's order, and the producer sends them one
 * after the other, so order per key is kept.
 *
 * The size is an upper estimate of the uncompressed record (value, key, header names and values, and a fixed
 * per-record overhead); a single message is never split (that is the caller's job, against maxMessageBytes).
 */
import type { BusMessage } from './types.js';

/** Varints, timestamp and offset deltas, attributes, lengths: at most this much per record. */
const RECORD_OVERHEAD_BYTES = 32;
/** The record batch header. */
const BATCH_OVERHEAD_BYTES = 64;

/** Estimated bytes of `m` in a record batch. */
export function recordBytes(m: BusMessage): number {
  let bytes = m.value.length + RECORD_OVERHEAD_BYTES;
  if (m.key !== undefined) bytes += Buffer.byteLength(m.key);
  for (const [name, value] of Object.entries(m.headers ?? {})) bytes += Buffer.byteLength(name) + Buffer.byteLength(value) + 8;
  return bytes;
}

/** Consecutive runs of `messages` whose estimated batch size stays within `maxBytes` (a run holds at least one). */
export function chunkBySize(messages: readonly BusMessage[], maxBytes: number): BusMessage[][] {
  const chunks: BusMessage[][] = [];
  let current: BusMessage[] = [];
  let size = BATCH_OVERHEAD_BYTES;
  for (const m of messages) {
    const bytes = recordBytes(m);
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = BATCH_OVERHEAD_BYTES;
    }
    current.push(m);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
