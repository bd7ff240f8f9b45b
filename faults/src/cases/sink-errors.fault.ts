/**
 * An HTTP receiver that misbehaves for ~20 s while alerts keep coming, then recovers, with the outputs service on its
 * default settings and a file sink alongside:
 * - it answers 500 to everything: each failure is retried (one probe at a time), and every alert is delivered;
 * - it hangs (reads the request, never answers): the sink's per-attempt timeout (10 s by default) must fire, or the
 *   batch would wait forever; then it is retried like any failure.
 * Nothing may be dead-lettered (the outage is far inside the retry budget). Duplicates are reported: a 500 or a
 * timeout leaves the alert undelivered as far as the sink knows, so it is sent again; a receiver that had in fact
 * processed a request it never answered would then hold that alert twice. The harness receiver records the ids of
 * the requests it left hanging, so the case counts those potential duplicates too.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { account, complete, fileSinkIds, report } from '../harness/accounting.js';
import { sendLikeApiserver } from '../harness/apiserver-client.js';
import { expectedAlertIds, generatedEvents, ruleTestEvents, webhookBodies } from '../harness/corpus.js';
import { watchDeadLetters } from '../harness/dead-letters.js';
import { checkMockRetention, startKafkaPipeline } from '../harness/kafka-pipeline.js';
import { interleaveByCluster } from '../harness/interleave.js';
import { freePort, metricSum } from '../harness/metrics-scrape.js';
import { sleep, until } from '../harness/processes.js';
import { type ReceiverMode, startReceiver } from '../harness/receiver.js';

const FAULT_MS = 20_000;

async function receiverMisbehaves(t: TestContext, mode: Extract<ReceiverMode, 'error' | 'hang'>): Promise<void> {
  const pipeline = await startKafkaPipeline(t);
  if (!pipeline) return;
  const receiver = await startReceiver(t);
  const deadLetters = await watchDeadLetters(t, pipeline.broker);
  const alertsFile = join(pipeline.dir, 'alerts.jsonl');
  const metricsPort = await freePort();
  const outputs = await pipeline.startOutputs([`file:${alertsFile}`, receiver.url], 'outputs', ['--metrics-listen', `127.0.0.1:${metricsPort}`]);
  await pipeline.startEvaluator();
  const { url } = await pipeline.startIngest();

  // Paced so that alerts keep coming before, during and after the fault.
  const bodies = interleaveByCluster(webhookBodies([...ruleTestEvents(), ...generatedEvents(200)], Array.from({ length: 6 }, (_, i) => `${mode}-${i}`)));
  checkMockRetention(bodies);
  const expected = await expectedAlertIds(bodies);
  const sending = sendLikeApiserver(url, bodies, { pauseMs: 1000 });
  const detail = () => JSON.stringify({ receiver: account(expected, receiver.delivered()), file: account(expected, fileSinkIds(alertsFile)) });

  await until(() => receiver.delivered().length > 0, 'the first alerts at the receiver', 60_000);
  await receiver.setMode(mode);
  const deliveredBefore = receiver.delivered().length;
  await sleep(FAULT_MS);
  const faultRequests = receiver.requests[mode];
  await receiver.setMode('ok');
  const recoveredAt = Date.now();
  const sent = await sending;
  assert.equal(sent.dropped, 0);
  await until(() => complete(expected, receiver.delivered()) && complete(expected, fileSinkIds(alertsFile)),
    `${expected.length} alerts at both sinks`, 90_000, detail);
  const completeAfterS = ((Date.now() - recoveredAt) / 1000).toFixed(1);

  assert.ok(faultRequests > 0, `the receiver got requests while in mode ${mode}`);
  assert.ok(expected.length - deliveredBefore > 0, 'alerts were still to deliver when the fault began');
  if (mode === 'hang') {
    // The first hung attempts end by the sink's timeout, not by the receiver closing the connection at recovery.
    assert.ok(outputs.lines(/timed out|no answer within/).length > 0, 'the sink timed a hung request out');
  }
  await sleep(1000); // lets a dead letter written at the last moment reach the watch
  assert.equal(deadLetters.messages().length, 0, 'nothing dead-lettered');
  assert.equal(await deadLetters.unread(), 0);
  assert.equal(await metricSum(metricsPort, 'peregrine_outputs_alerts_dead_lettered_total') ?? 0, 0);

  const name = mode === 'error' ? 'receiver answers 500 for 20 s' : 'receiver hangs for 20 s';
  const hung = receiver.hung();
  const redelivered = new Set(receiver.delivered());
  t.diagnostic(`fault-report: sink-errors: ${name}: ${faultRequests} requests during the fault, ` +
    `${await metricSum(metricsPort, 'peregrine_outputs_delivery_attempts_failed_total')} failed attempts; all delivered ${completeAfterS} s after the recovery` +
    (mode === 'hang' ? `; ${hung.length} alert(s) in requests left hanging, ${hung.filter((id) => redelivered.has(id)).length} of them delivered again ` +
      '(duplicates at a receiver that had processed them)' : ''));
  const problems = outputs.problems().filter((l) => !/sink write failed/.test(l)).join('\n');
  report(t, `${name} [http sink]`, account(expected, receiver.delivered()), problems);
  report(t, `${name} [file sink]`, account(expected, fileSinkIds(alertsFile)), problems);
}

test('http receiver answers 500 for ~20 s, then recovers', { timeout: 180_000 }, (t) => receiverMisbehaves(t, 'error'));

test('http receiver hangs (never answers) for ~20 s, then recovers: the timeout fires and the alert is retried', { timeout: 180_000 },
  (t) => receiverMisbehaves(t, 'hang'));
