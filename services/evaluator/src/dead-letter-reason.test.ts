/**
 * Dead-letter reasons are logged: they must say what is wrong with a message without quoting it. Checked against the
 * decoder's real messages for payloads that carry a marker where the decoder would quote it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAuditPayload } from '@peregrine/rule-engine';
import { deadLetterReason, safeDecodeReason } from './dead-letter-reason.js';

const MARKER = 'MARKER-4d1e-do-not-log';

const event = (stageTimestamp: unknown) => ({
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'a', stage: 'ResponseComplete', verb: 'get', stageTimestamp,
});

describe('dead-letter reasons', () => {
  const cases: [string, string, RegExp][] = [
    ['invalid JSON at the start', `${MARKER} is not JSON`, /^invalid JSON/],
    ['invalid JSON further in (V8 quotes the text around the error)', `{"kind":"EventList","items":[${MARKER}]}`, /^invalid JSON/],
    ['invalid JSON with a position', `{"a":"${MARKER}" x}`, /^invalid JSON \(at position \d+\)$/],
    ['a stageTimestamp that is not a time', JSON.stringify(event(MARKER)), /^invalid stageTimestamp: not an RFC 3339 time$/],
    ['a stageTimestamp that is an object', JSON.stringify(event({ x: MARKER })), /^invalid stageTimestamp/],
    ['not an audit event', JSON.stringify({ kind: MARKER }), /^data not recognized as a k8s audit event$/],
    ['no stageTimestamp', JSON.stringify({ kind: 'Event', note: MARKER }), /^can't read stageTimestamp$/],
  ];
  for (const [what, payload, expected] of cases) {
    it(what, () => {
      const { errors } = decodeAuditPayload(payload, 'c');
      assert.ok(errors.length > 0, 'the decoder refuses it');
      const reason = deadLetterReason(errors);
      assert.match(reason, expected);
      assert.ok(!reason.includes(MARKER) && !reason.includes('MARKER'), reason);
    });
  }

  it('the decoder does quote these payloads (what this module is for)', () => {
    const raw = [...decodeAuditPayload(`{"kind":"EventList","items":[${MARKER}]}`).errors,
      ...decodeAuditPayload(JSON.stringify(event(MARKER))).errors];
    assert.ok(raw.some((e) => e.includes('MARKER')), raw.join('; '));
  });

  it('an unknown message keeps its first words only', () => {
    assert.equal(safeDecodeReason(`weird thing "${MARKER}"`), 'weird thing (details not shown)');
    assert.equal(safeDecodeReason(`"${MARKER}"`), 'undecodable (details not shown)');
  });

  it('at most three reasons and a count, within 500 characters', () => {
    const reason = deadLetterReason(Array.from({ length: 5 }, () => "can't read stageTimestamp"));
    assert.match(reason, /; and 2 more$/);
    assert.ok(reason.length <= 500);
  });
});
