import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ExtractedBatch, NATIVE_PADDING, type NativeDecoder } from './index.js';
import { requireNativeDecoder } from './test-support.js';

/** Packs messages into one padded buffer, as the evaluator does. */
function pack(messages: readonly string[], padding = NATIVE_PADDING): { bytes: Uint8Array; ends: Uint32Array } {
  const parts = messages.map((m) => Buffer.from(m, 'utf8'));
  const total = parts.reduce((a, p) => a + p.length, 0);
  const bytes = new Uint8Array(total + padding);
  const ends = new Uint32Array(parts.length);
  let at = 0;
  parts.forEach((p, i) => {
    bytes.set(p, at);
    at += p.length;
    ends[i] = at;
  });
  return { bytes, ends };
}

function run(decoder: NativeDecoder, plan: unknown, messages: readonly string[], padding?: number) {
  const { bytes, ends } = pack(messages, padding);
  const batch = decoder.createExtractor(plan).extract(bytes, ends);
  return { batch, bytes, events: eventTexts(batch, bytes) };
}

/** The text of each event range, message by message. */
function eventTexts(batch: ExtractedBatch, bytes: Uint8Array): string[][] {
  const out: string[][] = [];
  let r = 0;
  for (const count of batch.counts) {
    const texts: string[] = [];
    for (let k = 0; k < count; k++, r += 2) texts.push(Buffer.from(bytes.subarray(batch.ranges[r], batch.ranges[r + 1])).toString());
    out.push(texts);
  }
  return out;
}

const PLAN = { kind: true, auditID: true, user: { username: true }, objectRef: { resource: true } };
const EVENT = { kind: 'Event', auditID: 'a1', user: { username: 'bob', groups: ['g'] }, objectRef: { resource: 'pods', name: 'p' }, big: { x: [1, 2] } };

/** The event texts of message i (asserting it was extracted). */
function eventsOf(batch: ExtractedBatch, i: number): readonly string[] {
  const texts = batch.texts[i];
  assert.ok(Array.isArray(texts), `message ${i} was refused (${String(texts)})`);
  return texts as readonly string[];
}

test('an Event keeps only the members of the plan; its range is the whole event', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const text = JSON.stringify(EVENT);
  const { batch, events } = run(decoder, PLAN, [text]);
  assert.deepEqual(eventsOf(batch, 0).map((e) => JSON.parse(e)), [{ kind: 'Event', auditID: 'a1', user: { username: 'bob' }, objectRef: { resource: 'pods' } }]);
  assert.deepEqual(events, [[text]]);
});

test('EventList items, arrays of payloads and items that are not objects keep their order and ranges', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const second = { ...EVENT, auditID: 'a2' };
  const list = `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${JSON.stringify(EVENT)}, 7 ,${JSON.stringify(second)}]}`;
  const { batch, events } = run(decoder, PLAN, [list, `[${list},[${JSON.stringify(second)}]]`]);
  assert.deepEqual(eventsOf(batch, 0).map((e) => (JSON.parse(e) as { auditID?: string }).auditID ?? e), ['a1', '7', 'a2']);
  assert.deepEqual(events[0], [JSON.stringify(EVENT), '7', JSON.stringify(second)]);
  assert.equal(eventsOf(batch, 1).length, 4);
  assert.deepEqual([...batch.counts], [3, 4]);
});

test('ranges are exact whatever the whitespace: the pruning walk finds the same ones as a plan that copies events whole', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const second = { ...EVENT, auditID: 'a2', nested: [{ a: { b: [] } }, {}] };
  const messages: string[] = [];
  for (const indent of [undefined, 1, '\t', ' \r\n ']) {
    const event = JSON.stringify(EVENT, null, indent);
    const list = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [EVENT, second] }, null, indent);
    messages.push(event, ` \n${event}\t\r\n `, list, `\n${list}\n`, `[ ${list} ,\n[ ${event} ] ]`, `[${event},${list}]  `);
  }
  const pruned = run(decoder, PLAN, messages);
  const whole = run(decoder, 'event', messages);
  assert.deepEqual([...pruned.batch.counts], [...whole.batch.counts]);
  assert.deepEqual(pruned.events, whole.events);
  // And each range is one event, as JSON.parse reads it.
  for (const texts of pruned.events) for (const text of texts) assert.equal((JSON.parse(text) as { kind: string }).kind, 'Event');
  assert.ok(pruned.events.flat().length >= 40);
});

test('arrays met inside the plan are pruned element by element; whole members are copied byte for byte', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const plan = { kind: true, spec: { containers: { securityContext: { privileged: true } } }, data: true };
  const event = '{"kind":"Event","spec":{"containers":[{"name":"a","securityContext":{"privileged":true,"x":1}},{"name":"b"},3]},"data":{ "k" : "v\\u00e9\\n" } ,"skip":[1,2]}';
  const { batch } = run(decoder, plan, [event]);
  assert.deepEqual(eventsOf(batch, 0), ['{"kind":"Event","spec":{"containers":[{"securityContext":{"privileged":true}},{},3]},"data":{ "k" : "v\\u00e9\\n" }}']);
});

test('duplicate members stay in order, so that JSON.parse keeps the last, as on the original', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const message = '{"kind":"EventList","items":[{"kind":"Event","auditID":"x"}],"kind":"Event","auditID":"y","items":3}';
  const { batch, events } = run(decoder, PLAN, [message]);
  // The last kind is Event: the object itself is the event (its items are not read by the plan).
  assert.deepEqual(eventsOf(batch, 0), ['{"kind":"EventList","kind":"Event","auditID":"y"}']);
  assert.deepEqual(events, [[message]]);
  const lastItems = '{"kind":"EventList","items":[{"auditID":"first"}],"items":[{"auditID":"second"}]}';
  const two = run(decoder, PLAN, [lastItems]);
  assert.deepEqual(eventsOf(two.batch, 0), ['{"auditID":"second"}']);
  assert.deepEqual(two.events, [['{"auditID":"second"}']]);
});

test('keys written with escapes match the plan, and are written back escaped', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const { batch } = run(decoder, { kind: true, 'a"b': true, user: { username: true } }, ['{"\\u006bind":"Event","a\\"b":1,"us\\u0065r":{"username":"\\u00e9"}}']);
  assert.deepEqual(JSON.parse(eventsOf(batch, 0)[0]!), { kind: 'Event', 'a"b': 1, user: { username: 'é' } });
});

test('valid JSON that is not a plain list of events is left to JSON.parse-based decoding', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const { batch } = run(decoder, PLAN, ['{"kind":"Pod"}', '42', '"text"', '{"kind":"EventList","items":{}}', 'null', `[${JSON.stringify(EVENT)},{"kind":"Status"}]`]);
  for (const [i, value] of batch.texts.entries()) assert.equal(typeof value, 'number', `message ${i}`);
  assert.deepEqual([...batch.counts], [0, 0, 0, 0, 0, 0]);
  assert.equal(batch.ranges.length, 0);
});

test('messages JSON.parse refuses are refused with an error code, and the others of the batch still extract', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const good = Buffer.from(JSON.stringify(EVENT));
  const bad = ['{"kind":"Event","x":tru}', '{"kind":"Event"', '', '{"kind":"Event"} {}', '{"a":1,}'].map((m) => Buffer.from(m));
  bad.push(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])); // {"<invalid UTF-8>":1}
  const parts = [good, ...bad, good];
  const ends = new Uint32Array(parts.length);
  parts.reduce((at, p, i) => (ends[i] = at + p.length), 0);
  const bytes = new Uint8Array(Buffer.concat([...parts, Buffer.alloc(NATIVE_PADDING)]));
  const batch = decoder.createExtractor(PLAN).extract(bytes, ends);
  assert.equal(eventsOf(batch, 0).length, 1);
  for (let i = 1; i <= bad.length; i++) {
    assert.equal(typeof batch.texts[i], 'number', `message ${i} (${JSON.stringify(parts[i]!.toString('latin1'))}) must be refused`);
    assert.match(decoder.errorMessage(batch.texts[i] as number), /\w/);
  }
  assert.equal(eventsOf(batch, parts.length - 1).length, 1);
  assert.deepEqual([...batch.counts], [1, 0, 0, 0, 0, 0, 0, 1]);
});

test('a message without padding after it is copied, not read past its end', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const text = JSON.stringify(EVENT);
  const { batch, events } = run(decoder, PLAN, [text, text], 0);
  assert.deepEqual(events, [[text], [text]]);
  assert.deepEqual(eventsOf(batch, 0), eventsOf(batch, 1));
});

test('the plan "event" keeps every event whole; non-ASCII text survives', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const event = { ...EVENT, user: { username: 'zoë 日本' } };
  const { batch } = run(decoder, 'event', [JSON.stringify({ kind: 'EventList', items: [event, EVENT] })]);
  assert.deepEqual(eventsOf(batch, 0).map((e) => JSON.parse(e)), [event, EVENT]);
});

test('a malformed plan or batch is a clear error', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  assert.throws(() => decoder.createExtractor('everything'), /a plan is "event" or an object/);
  assert.throws(() => decoder.createExtractor({ kind: 1 }), /true or objects/);
  const extractor = decoder.createExtractor(PLAN);
  assert.throws(() => extractor.extract(new Uint8Array(4), Uint32Array.of(8)), /ends must rise within the bytes/);
  assert.match(decoder.implementation, /^[a-z0-9_]+$/);
});
