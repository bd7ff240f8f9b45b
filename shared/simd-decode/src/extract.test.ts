import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ExtractedMessage, NATIVE_PADDING, type NativeDecoder, SLOT_TYPES, type SlotExtractor, type SlotPlan } from './index.js';
import { requireNativeDecoder } from './test-support.js';

const SLOTS = [['auditID'], ['user', 'username'], ['objectRef', 'resource'], [], ['count'], ['flag'], ['data']];
const PLAN: SlotPlan = { slots: SLOTS, object: { kind: true, auditID: true, user: { username: true }, objectRef: { resource: true } } };
const EVENT = { kind: 'Event', auditID: 'a1', user: { username: 'bob', groups: ['g'] }, objectRef: { resource: 'pods', name: 'p' }, big: { x: [1, 2] } };

/** Extracts one message, padded as the evaluator's batches are. */
function extract(extractor: SlotExtractor, message: string | Uint8Array, padding = NATIVE_PADDING): ExtractedMessage | number {
  const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  const bytes = new Uint8Array(body.length + padding);
  bytes.set(body);
  return extractor.extract(bytes, body.length);
}

function extracted(extractor: SlotExtractor, message: string, padding?: number): ExtractedMessage {
  const result = extract(extractor, message, padding);
  assert.equal(typeof result, 'object', `refused (${String(result)}): ${message}`);
  return result as ExtractedMessage;
}

/** Slot k of event e, as the rule engine reads it (runtime/slot-event.ts). */
function slot(m: ExtractedMessage, slotCount: number, e: number, k: number): unknown {
  const cell = e * slotCount + k;
  const text = () => m.text.slice(cell === 0 ? 0 : m.marks[cell - 1], m.marks[cell]);
  switch (m.types[cell]) {
    case SLOT_TYPES.string: return text();
    case SLOT_TYPES.number: return m.numbers[cell];
    case SLOT_TYPES.true: return true;
    case SLOT_TYPES.false: return false;
    case SLOT_TYPES.null: return null;
    case SLOT_TYPES.json: return JSON.parse(text());
    default: return undefined;
  }
}

/** Every slot of every event of a message. */
function slots(m: ExtractedMessage, slotCount = SLOTS.length): unknown[][] {
  return Array.from({ length: m.count }, (_, e) => Array.from({ length: slotCount }, (_, k) => slot(m, slotCount, e, k)));
}

/** What JSON.parse gives for each slot path of an event object: the reference the slots must equal. */
function expectedSlots(event: unknown, paths = SLOTS): unknown[] {
  return paths.map((path) => {
    if (path.length === 0) return undefined;
    let value = event;
    for (const key of path) {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  });
}

/**
 * Slot values as the fields see them: as JSON text (simdjson reads `-0` as 0, which no field can tell apart: both are
 * `0` in JSON), with a missing member told apart from null.
 */
function asFieldsSee(rows: readonly unknown[]): string {
  return JSON.stringify(rows, (_key, value: unknown) => (value === undefined ? '<missing>' : value));
}

function withDecoder(t: Parameters<typeof requireNativeDecoder>[0]): NativeDecoder | undefined {
  return requireNativeDecoder(t);
}

test('an Event fills each slot with what JSON.parse gives that member; unused slots stay empty', (t) => {
  const decoder = withDecoder(t);
  if (!decoder) return;
  const event = { ...EVENT, count: 201, flag: false, data: { 'a.conf': 'x=1\n', n: [1.5, -0, 1e21, null, true] } };
  const m = extracted(decoder.createExtractor(PLAN), JSON.stringify(event));
  assert.equal(m.count, 1);
  assert.equal(asFieldsSee(slots(m)), asFieldsSee([expectedSlots(event)]));
  assert.deepEqual(slots(m)[0]!.slice(0, 3), ['a1', 'bob', 'pods']);
  assert.equal(m.types[3], SLOT_TYPES.absent);
});

test('EventList items, arrays of payloads and items that are not objects are the events, in order', (t) => {
  const decoder = withDecoder(t);
  if (!decoder) return;
  const second = { ...EVENT, auditID: 'a2', user: { username: null } };
  const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [EVENT, 7, second] };
  const extractor = decoder.createExtractor(PLAN);
  assert.equal(asFieldsSee(slots(extracted(extractor, JSON.stringify(list)))), asFieldsSee([EVENT, 7, second].map((e) => expectedSlots(e))));
  const nested = extracted(extractor, `[${JSON.stringify(list)},[${JSON.stringify(second)}]]`);
  assert.equal(asFieldsSee(slots(nested)), asFieldsSee([EVENT, 7, second, second].map((e) => expectedSlots(e))));
});

test('duplicate members: the last one counts, as with JSON.parse, for the shape and for the slots', (t) => {
  const decoder = withDecoder(t);
  if (!decoder) return;
  const extractor = decoder.createExtractor(PLAN);
  const message = '{"kind":"EventList","items":[{"kind":"Event","auditID":"x"}],"kind":"Event","auditID":"y","auditID":"z","items":3}';
  assert.deepEqual(slots(extracted(extractor, message)), [expectedSlots(JSON.parse(message))]);
  const lastItems = '{"kind":"EventList","items":[{"auditID":"first"}],"items":[{"auditID":"second"}]}';
  assert.deepEqual(slots(extracted(extractor, lastItems))[0]![0], 'second');
});

test('escaped keys match, strings are unescaped, and text offsets count UTF-16 units', (t) => {
  const decoder = withDecoder(t);
  if (!decoder) return;
  const extractor = decoder.createExtractor(PLAN);
  const message = '{"\\u006bind":"Event","auditID":"\\ud83d\\ude00 é\\n\\u0000","us\\u0065r":{"username":"日本 zoë"},"objectRef":{"resource":"p\\"s"},"data":{"k":"v\\u00e9","\\"":[]}}';
  const m = extracted(extractor, message);
  assert.deepEqual(slots(m), [expectedSlots(JSON.parse(message))]);
});

test('an event object: pruned to the plan, or complete, while the message is the extractor\'s latest', (t) => {
  const decoder = withDecoder(t);
  if (!decoder) return;
  const extractor = decoder.createExtractor({ slots: [['auditID']], object: { kind: true, spec: { containers: { securityContext: { privileged: true } } }, data: true } });
  const event = '{"kind":"Event","spec":{"containers":[{"name":"a","securityContext":{"privileged":true,"x":1}},{"name":"b"},3]},"data":{ "k" : "v\\u00e9\\n", "n": 1.0e2 } ,"skip":[1,2]}';
  const m = extracted(extractor, `[${event},${event}]`);
  assert.deepEqual(JSON.parse(extractor.prunedEvent(m.generation, 1)!), {
    kind: 'Event', spec: { containers: [{ securityContext: { privileged: true } }, {}, 3] }, data: { k: 'vé\n', n: 100 },
  });
  assert.deepEqual(JSON.parse(extractor.completeEvent(m.generation, 0)!), JSON.parse(event));
  assert.equal(extractor.prunedEvent(m.generation, 2), undefined, 'no such event');
  extracted(extractor, event);
  assert.equal(extractor.completeEvent(m.generation, 0), undefined, 'the extractor moved on to another message');
});

test('valid JSON that is not a plain list of events is left to JSON.parse-based decoding', (t) => {
  const decoder = withDecoder(t);
  if (!decoder) return;
  const extractor = decoder.createExtractor(PLAN);
  for (const message of ['{"kind":"Pod"}', '42', '"text"', '{"kind":"EventList","items":{}}', 'null', `[${JSON.stringify(EVENT)},{"kind":"Status"}]`]) {
    assert.equal(typeof extract(extractor, message), 'number', message);
  }
});

test('messages JSON.parse refuses are refused with an error code, and the next message still extracts', (t) => {
  const decoder = withDecoder(t);
  if (!decoder) return;
  const extractor = decoder.createExtractor(PLAN);
  const bad = ['{"kind":"Event","x":tru}', '{"kind":"Event"', '', '{"kind":"Event"} {}', '{"a":1,}'].map((m) => Buffer.from(m));
  bad.push(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])); // {"<invalid UTF-8>":1}
  for (const message of bad) {
    const code = extract(extractor, message);
    assert.equal(typeof code, 'number', `${JSON.stringify(message.toString('latin1'))} must be refused`);
    assert.match(decoder.errorMessage(code as number), /\w/);
    assert.equal(extracted(extractor, JSON.stringify(EVENT)).count, 1);
  }
});

test('a message with far more events than its size suggests is left to JSON.parse (its slot cells would not be)', (t) => {
  const decoder = withDecoder(t);
  if (!decoder) return;
  const extractor = decoder.createExtractor(PLAN);
  const empties = (n: number) => `{"kind":"EventList","items":[${Array(n).fill('{}').join(',')}]}`;
  assert.equal(extracted(extractor, empties(500)).count, 500); // under the floor: extracted
  const many = empties(200_000);
  assert.equal(typeof extract(extractor, many), 'number', `${many.length} bytes, ${200_000 * SLOTS.length} cells`);
  assert.equal(extracted(extractor, JSON.stringify(EVENT)).count, 1, 'and the next message extracts');
});

test('a plan naming a member with a lone surrogate loads, and that member is never found (simdjson refuses such keys)', (t) => {
  const decoder = withDecoder(t);
  if (!decoder) return;
  const extractor = decoder.createExtractor({ slots: [['auditID'], ['\ud800']], object: { '\udc00': true, auditID: true } });
  const m = extracted(extractor, '{"kind":"Event","auditID":"a","\u00e9":1}');
  assert.deepEqual(slots(m, 2), [['a', undefined]]);
  assert.deepEqual(JSON.parse(extractor.prunedEvent(m.generation, 0)!), { auditID: 'a' });
  assert.equal(typeof extract(extractor, '{"kind":"Event","auditID":"a","\\ud800":1}'), 'number');
});

test('a message without padding after it is copied, not read past its end', (t) => {
  const decoder = withDecoder(t);
  if (!decoder) return;
  const extractor = decoder.createExtractor(PLAN);
  assert.deepEqual(slots(extracted(extractor, JSON.stringify(EVENT), 0)), [expectedSlots(EVENT)]);
});

test('a malformed plan or call is a clear error', (t) => {
  const decoder = withDecoder(t);
  if (!decoder) return;
  assert.throws(() => decoder.createExtractor({ slots: SLOTS, object: 'everything' }), /a plan is "event" or an object/);
  assert.throws(() => decoder.createExtractor({ slots: SLOTS, object: { kind: 1 } }), /true or objects/);
  assert.throws(() => decoder.createExtractor({ slots: [['a', 1]] as unknown as string[][], object: {} }), /array of member names/);
  assert.throws(() => decoder.createExtractor(PLAN).extract(new Uint8Array(4), 8), /length must be within the bytes/);
  assert.match(decoder.implementation, /^[a-z0-9_]+$/);
});
