/**
 * Driving the evaluator's pool the way the evaluator service does, for a fixed time: the main thread packs each batch
 * of bus messages into one ArrayBuffer (packBatch, a copy), hands it to the pool, and turns the result's alerts into
 * bus message values (Buffer.from of the JSON), as EvaluatorService#handle does. That main-thread work stays inside
 * the measured time on purpose: it is what limits scaling when the workers are fast.
 *
 * `lanes` tasks are kept in flight (the evaluator has one per partition being consumed), so that each worker has
 * its next task queued when it finishes one.
 */
import type { ReceivedMessage } from '@peregrine/kafka';
import { alertToJson, buildAlert, decodeAuditPayload, type Ruleset } from '@peregrine/rule-engine';
import { packBatch, type RulePool } from './evaluator-internals.js';

export interface Throughput {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

/**
 * Runs batches (cycling through `batches`) through `pool` until `seconds` have passed, then waits for the tasks in
 * flight. Counts the events the workers report as evaluated, over the whole time until the last task finished.
 */
export async function drivePool(
  pool: RulePool, batches: readonly (readonly ReceivedMessage[])[], seconds: number, lanes: number,
): Promise<Throughput> {
  let next = 0;
  let events = 0;
  let alertBytes = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const lane = async () => {
    while (performance.now() < deadline) {
      const batch = batches[next++ % batches.length]!;
      const result = await pool.run(packBatch(batch));
      events += result.events;
      for (const a of result.alerts) alertBytes += Buffer.from(a.json).length;
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  const elapsed = (performance.now() - started) / 1000;
  // alertBytes is read so the conversion above cannot be optimised away.
  if (alertBytes < 0) throw new Error('unreachable');
  return { events, seconds: elapsed, eventsPerSecond: events / elapsed };
}

/**
 * The same decode + evaluate + alert JSON, inline on this thread, without a pool: the single-thread reference.
 * Mirrors worker.ts (TextDecoder, decodeAuditPayload, evaluate, buildAlert, alertToJson).
 */
export function inlineRate(ruleset: Ruleset, messages: readonly ReceivedMessage[], seconds: number): Throughput {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let events = 0;
  let bytes = 0;
  let i = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  do {
    // Check the clock every 64 messages: reading it per event would be a visible share of the cost.
    for (let k = 0; k < 64; k++) {
      const m = messages[i++ % messages.length]!;
      for (const event of decodeAuditPayload(decoder.decode(m.value), 'default').events) {
        events++;
        for (const match of ruleset.evaluate(event)) bytes += alertToJson(buildAlert(match, { hostname: 'bench' })).length;
      }
    }
  } while (performance.now() < deadline);
  const elapsed = (performance.now() - started) / 1000;
  if (bytes < 0) throw new Error('unreachable');
  return { events, seconds: elapsed, eventsPerSecond: events / elapsed };
}

/** JSON.parse of each message's text (UTF-8 decode included), nothing else: the floor of any decode. */
export function jsonParseRate(messages: readonly ReceivedMessage[], seconds: number): Throughput {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let events = 0;
  let keys = 0;
  let i = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  do {
    for (let k = 0; k < 64; k++) {
      const parsed = JSON.parse(decoder.decode(messages[i++ % messages.length]!.value)) as { items?: unknown[] };
      events += Array.isArray(parsed.items) ? parsed.items.length : 1;
      keys += Object.keys(parsed).length;
    }
  } while (performance.now() < deadline);
  const elapsed = (performance.now() - started) / 1000;
  if (keys < 0) throw new Error('unreachable');
  return { events, seconds: elapsed, eventsPerSecond: events / elapsed };
}
