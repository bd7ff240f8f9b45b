/**
 * An alert larger than the bus's message limit (found by the webhook fuzzer: a 7 MB user agent, printed by a rule's
 * output, made a 15 MB alert; sending it failed the batch on every retry and stopped the partition) becomes a dead
 * letter of its message, with the rule and the sizes; the other alerts are sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeDeadLetters, separateOversizeAlerts } from './oversize-alerts.js';

const alert = (index: number, rule: string, bytes: number) => ({
  index, id: `${rule}-${index}`, cluster: 'c', rule, priority: 'Warning', json: `{"output":"${'x'.repeat(bytes - 13)}"}`, // `bytes` long
});

test('alerts over the limit are taken out, and their messages dead-lettered once each, with every reason', () => {
  const alerts = [alert(0, 'small', 100), alert(1, 'big', 2000), alert(1, 'bigger', 3000), alert(2, 'small', 1000)];
  const { fit, deadLetters } = separateOversizeAlerts(alerts, 1000);
  assert.deepEqual(fit.map((a) => a.id), ['small-0', 'small-2']);
  assert.deepEqual(deadLetters, [{
    index: 1,
    reason: "the alert of rule 'big' is 2000 bytes, more than the bus message limit of 1000; " +
      "the alert of rule 'bigger' is 3000 bytes, more than the bus message limit of 1000",
  }]);
});

test('a message both undecodable in part and with an oversize alert gives one dead letter with both reasons', () => {
  const merged = mergeDeadLetters([{ index: 3, reason: "can't read stageTimestamp" }, { index: 1, reason: 'a' }],
    [{ index: 3, reason: 'the alert of rule \'r\' is 9 bytes, more than the bus message limit of 8' }]);
  assert.deepEqual(merged, [
    { index: 1, reason: 'a' },
    { index: 3, reason: "can't read stageTimestamp; the alert of rule 'r' is 9 bytes, more than the bus message limit of 8" },
  ]);
});
