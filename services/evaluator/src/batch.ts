/**
 * The task a worker receives: the raw values of a batch of bus messages copied into ONE ArrayBuffer that is moved
 * (transferred, not cloned) to the worker thread, plus where each message starts and ends and its cluster.
 *
 *   buffer:  [ msg0 bytes | msg1 bytes | msg2 bytes | ... ]
 *   ends:    [ e0, e1, e2, ... ]          message i is buffer[e(i-1) .. e(i)), e(-1) = 0
 *   clusters:[ "prod-eu", "prod-eu", "default", ... ]
 *
 * A fresh buffer is needed anyway: message values may be views into a larger pooled buffer that cannot be moved.
 */
import type { ReceivedMessage } from '@peregrine/kafka';
import { HEADER_CLUSTER } from '@peregrine/kafka';
import { NATIVE_PADDING } from '@peregrine/simd-decode';

export interface EvaluateTask {
  readonly buffer: ArrayBuffer;
  readonly ends: Uint32Array;
  readonly clusters: readonly string[];
}

export interface DeadLetter {
  /** Index of the message in the task. */
  readonly index: number;
  readonly reason: string;
}

export interface EvaluateResult {
  /** Each alert as the JSON that goes on the alerts topic, with the fields the producer needs; `index`: its message. */
  readonly alerts: readonly { index: number; id: string; cluster: string; rule: string; priority: string; json: string }[];
  readonly deadLetters: readonly DeadLetter[];
  readonly events: number;
  /** Per rule: matches, and sampled evaluation time. */
  readonly rules: Readonly<Record<string, { matches: number; ns: number; runs: number }>>;
}

export function packBatch(messages: readonly ReceivedMessage[]): EvaluateTask {
  const total = messages.reduce((a, m) => a + m.value.length, 0);
  // NATIVE_PADDING spare bytes: the native decoder reads up to that far past a message, and copies one without them.
  const bytes = new Uint8Array(total + NATIVE_PADDING);
  const ends = new Uint32Array(messages.length);
  let at = 0;
  messages.forEach((m, i) => {
    bytes.set(m.value, at);
    at += m.value.length;
    ends[i] = at;
  });
  return { buffer: bytes.buffer, ends, clusters: messages.map((m) => m.headers[HEADER_CLUSTER] ?? 'default') };
}
