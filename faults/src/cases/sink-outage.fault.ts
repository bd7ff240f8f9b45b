/**
 * The HTTP receiver (falcosidekick, say) down for 60 s, then back, with the outputs service on its default retry
 * settings and a file sink alongside. Every expected alert reaches the receiver, none through the dead-letter topic
 * (watched on the broker, and the outputs' dead-letter counter read from /metrics), and the file gets them all too.
 *
 * What the file sink goes through is the chosen trade-off (services/outputs/README.md, "A receiver that is down"):
 * offsets are committed for every sink at once, so while the receiver is down the file gets the batches in hand and
 * nothing newer; it catches up when the receiver is back. The case reports how much of the outage's alerts the file
 * had when the receiver came back and how long it then took, rather than asserting a timing.
 *
 * Before the retry budget existed, the sink gave up after 5 retries (~15 s) and dead-lettered: this case lost every
 * alert of the outage at the receiver.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { account, complete, fileSinkIds, report } from '../harness/accounting.js';
import { sendLikeApiserver } from '../harness/apiserver-client.js';
import { expectedAlertIds, generatedEvents, ruleTestEvents, webhookBodies } from '../harness/corpus.js';
import { watchDeadLetters } from '../harness/dead-letters.js';
import { checkMockRetention, startKafkaPipeline } from '../harness/kafka-pipeline.js';
import { freePort, metricSum } from '../harness/metrics-scrape.js';
import { sleep, until } from '../harness/processes.js';
import { startReceiver } from '../harness/receiver.js';

const OUTAGE_MS = 60_000;

test('http receiver down for 60 s, then back: everything delivered, nothing dead-lettered', { timeout: 240_000 }, async (t) => {
  const pipeline = await startKafkaPipeline(t);
  if (!pipeline) return;
  const receiver = await startReceiver(t);
  const deadLetters = await watchDeadLetters(t, pipeline.broker);
  const alertsFile = join(pipeline.dir, 'alerts.jsonl');
  const metricsPort = await freePort();
  // Default sink settings: what an operator gets from `--output <url>`.
  const outputs = await pipeline.startOutputs([`file:${alertsFile}`, receiver.url], 'outputs', ['--metrics-listen', `127.0.0.1:${metricsPort}`]);
  await pipeline.startEvaluator();
  const { url } = await pipeline.startIngest();

  const events = [...ruleTestEvents(), ...generatedEvents(300)];
  const before = webhookBodies(events, ['outage-a', 'outage-b']);
  const during = webhookBodies(events, Array.from({ length: 6 }, (_, i) => `outage-${i + 1}`));
  checkMockRetention([...before, ...during]);
  const expectedBefore = await expectedAlertIds(before);
  const expectedDuring = await expectedAlertIds(during);
  const expected = [...expectedBefore, ...expectedDuring];
  const detail = () => JSON.stringify({ receiver: account(expected, receiver.delivered()), file: account(expected, fileSinkIds(alertsFile)) });

  // The receiver works: the first alerts flow to both sinks.
  await sendLikeApiserver(url, before);
  await until(() => complete(expectedBefore, receiver.delivered()), 'the first alerts at the receiver', 60_000, detail);

  // Down, while the rest is sent: ingest and the evaluator carry on, the alerts wait in the alerts topic.
  await receiver.setMode('down');
  const downAt = Date.now();
  const sent = await sendLikeApiserver(url, during);
  assert.equal(sent.dropped, 0);
  await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
  const fileAtOutageEnd = account(expectedDuring, fileSinkIds(alertsFile));
  const fileAtRecovery = fileAtOutageEnd.expected - fileAtOutageEnd.lost;
  const failedAttempts = await metricSum(metricsPort, 'peregrine_outputs_delivery_attempts_failed_total');
  const deadDuringOutage = await metricSum(metricsPort, 'peregrine_outputs_alerts_dead_lettered_total');

  await receiver.setMode('ok');
  const upAt = Date.now();
  let fileCompleteAt: number | undefined;
  await until(() => {
    if (fileCompleteAt === undefined && complete(expected, fileSinkIds(alertsFile))) fileCompleteAt = Date.now();
    return fileCompleteAt !== undefined && complete(expected, receiver.delivered());
  }, `${expected.length} alerts at both sinks`, 120_000, detail);
  const receiverCompleteAt = Date.now();

  // Nothing went to the dead-letter topic: the watch read nothing and has nothing left to read.
  await sleep(1000); // a dead letter written at the last moment would reach the watch within its fetch wait (100 ms)
  assert.equal(deadLetters.messages().length, 0,
    `dead-lettered: ${deadLetters.messages().slice(0, 3).map((m) => m.headers['peregrine-dead-letter-reason']).join('; ')}`);
  assert.equal(await deadLetters.unread(), 0, 'the dead-letter topic holds nothing the watch has not read');
  assert.ok(failedAttempts !== undefined && failedAttempts > 0, 'the outputs saw the outage (failed attempts on /metrics)');
  assert.equal(deadDuringOutage ?? 0, 0, 'outputs /metrics: nothing dead-lettered during the outage');
  assert.equal(await metricSum(metricsPort, 'peregrine_outputs_alerts_dead_lettered_total') ?? 0, 0, 'outputs /metrics: nothing dead-lettered');

  t.diagnostic(`fault-report: sink-outage: receiver down ${Math.round((upAt - downAt) / 1000)} s; ${failedAttempts} failed attempts during it ` +
    `(one probe at a time); 0 dead letters (topic and /metrics)`);
  t.diagnostic(`fault-report: sink-outage [file sink alongside]: ${fileAtRecovery} of the ${expectedDuring.length} alerts of the outage written ` +
    `before the receiver came back (held back with it: one commit for all sinks); complete ${((fileCompleteAt! - upAt) / 1000).toFixed(1)} s ` +
    `after it came back, the receiver ${((receiverCompleteAt - upAt) / 1000).toFixed(1)} s after`);
  const problems = outputs.problems().filter((l) => !/sink write failed/.test(l)).join('\n');
  report(t, 'http receiver down 60 s [http sink]', account(expected, receiver.delivered()), problems);
  report(t, 'http receiver down 60 s [file sink]', account(expected, fileSinkIds(alertsFile)), problems);
});
