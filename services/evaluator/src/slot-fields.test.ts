/**
 * Every field that reads a slot must read, from the native decoder's slots, exactly what it reads from the event
 * object JSON.parse builds: field by field, with every kind of argument, on our rules' test events and on variants
 * whose slot members hold every kind of JSON value (numbers, objects, arrays, null, duplicates, escapes, missing).
 * The rulesets' equivalence (decode-equivalence.test.ts) covers the fields Falco's rules and ours use; this covers
 * the others too. Also: an event object asked for after the extractor moved on is the same object.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { allFields, buildSlotPlan, decodeAuditPayload, type FieldInfo, type OperandReads, sampleArgs } from '@peregrine/rule-engine';
import { NATIVE_PADDING } from '@peregrine/simd-decode';
import { requireNativeDecoder } from '@peregrine/simd-decode/test-support';
import { repoRoot } from '@peregrine/testkit';
import { decodeMessage } from './decode-batch.js';

function testEvents(): Record<string, unknown>[] {
  const dir = join(repoRoot(), 'rules', 'tests');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) => {
    const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { positive?: Record<string, unknown>[]; negative?: Record<string, unknown>[] };
    return [...(doc.positive ?? []), ...(doc.negative ?? [])];
  });
}

const ODD_VALUES: readonly unknown[] = [42, -0, 1.5e300, 12345678901234567890, true, false, null, { a: [1, { b: 'é' }] }, [], ['x', 2], '', 'tab\tquote"back\\slash 日本 😀'];

/** Variants of an event whose slot members hold odd values, lose their auditID, or come as text with duplicates. */
function oddTexts(event: Record<string, unknown>, i: number): string[] {
  const value = ODD_VALUES[i % ODD_VALUES.length];
  const user = { ...(event['user'] as object), username: value };
  const annotations = { 'authorization.k8s.io/decision': value, cluster_name: ODD_VALUES[(i + 3) % ODD_VALUES.length] };
  const objectRef = { ...(event['objectRef'] as object), resource: value, subresource: ODD_VALUES[(i + 1) % ODD_VALUES.length] };
  const { auditID: _dropped, ...withoutId } = event;
  const text = JSON.stringify(event);
  return [
    JSON.stringify({ ...event, user, annotations, objectRef, stage: value, requestURI: value }),
    JSON.stringify({ ...withoutId, verb: value }),
    JSON.stringify({ ...event, requestObject: value, responseStatus: value, user: value }),
    // Duplicates: JSON.parse keeps the last; the decoder must too.
    `{"user":{"username":"first"},"verb":"first",${text.slice(1, -1)},"user":{"username":"last","username":"laster"},"verb":"last"}`,
    // Escaped keys name the same members.
    text.replace('"user":', '"\\u0075ser":').replace('"verb":', '"v\\u0065rb":'),
  ];
}

interface Variant {
  readonly name: string;
  readonly extract: ReturnType<FieldInfo['compile']>;
  readonly reads: OperandReads;
}

function slotVariants(): Variant[] {
  const variants: Variant[] = [];
  for (const field of allFields()) {
    for (const arg of sampleArgs(field)) {
      let slot: number | undefined;
      let extract: Variant['extract'];
      try {
        extract = field.compile(arg);
        slot = field.slot?.(arg);
      } catch {
        continue; // an argument this field does not take
      }
      if (slot !== undefined) variants.push({ name: `${field.name}[${arg ?? ''}]`, extract, reads: { slot } });
    }
  }
  return variants;
}

test('every slot field reads the same value from the slots as from the event object', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const variants = slotVariants();
  assert.ok(variants.length > 40, `${variants.length} slot field variants`);
  const extractor = decoder.createExtractor(buildSlotPlan(variants.map((v) => v.reads)));
  const events = testEvents();
  const texts = [...events.map((e) => JSON.stringify(e)), ...events.flatMap(oddTexts)];
  assert.ok(texts.length > 500);
  const withValue = new Set<string>();
  let compared = 0;
  texts.forEach((text, i) => {
    const cluster = i % 3 === 0 ? '' : 'prod';
    const body = Buffer.from(text);
    const bytes = new Uint8Array(body.length + NATIVE_PADDING);
    bytes.set(body);
    const [viaJson] = decodeAuditPayload(text, cluster).events;
    const [viaSlots] = decodeMessage(bytes, 0, body.length, cluster, extractor).events;
    if (viaJson === undefined) return assert.equal(viaSlots, undefined, text);
    assert.ok(viaSlots?.slots, `the native decoder decoded ${text.slice(0, 80)}`);
    for (const v of variants) {
      const expected = v.extract(viaJson);
      assert.deepEqual(v.extract(viaSlots), expected, `${v.name} on ${text.slice(0, 200)}`);
      if (expected !== undefined) withValue.add(v.name);
      compared++;
    }
  });
  t.diagnostic(`${compared} comparisons, ${withValue.size} of ${variants.length} variants found a value`);
  // Most variants must find a value somewhere in the corpus, or the comparison proves little.
  assert.ok(withValue.size > variants.length * 0.7, `${withValue.size} of ${variants.length} variants found a value`);
});

test('an event object asked for after the extractor moved on is parsed from the message: the same object', (t) => {
  const decoder = requireNativeDecoder(t);
  if (!decoder) return;
  const extractor = decoder.createExtractor({ slots: buildSlotPlan([]).slots, object: { requestObject: true, auditID: true } });
  const [first, second] = testEvents().filter((e) => e['requestObject'] !== undefined);
  const list = JSON.stringify({ kind: 'EventList', items: [second, first] });
  const decode = (text: string) => {
    const body = Buffer.from(text);
    const bytes = new Uint8Array(body.length + NATIVE_PADDING);
    bytes.set(body);
    return decodeMessage(bytes, 0, body.length, 'prod', extractor).events;
  };
  const early = decode(list);
  const fresh = decode(list);
  decode(JSON.stringify(first)); // the extractor now holds another message
  assert.deepEqual(early[1]!.complete!(), first);
  // Late, the event object is the complete event: it holds the members the plan asks for, and more.
  assert.deepEqual(early[0]!.json, second);
  // While the extractor holds the message: the complete event, and the event pruned to the plan.
  const current = decode(list);
  assert.deepEqual(current[1]!.complete!(), first);
  assert.deepEqual(current[0]!.json, { requestObject: second!['requestObject'], auditID: second!['auditID'] });
  assert.equal(fresh.length, 2);
});
