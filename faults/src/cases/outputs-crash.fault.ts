/**
 * The outputs service killed with SIGKILL in the middle of delivering a backlog to two sinks at once, a file and an
 * HTTP receiver, then started again. What it proves: an alert's offset is committed only once every sink has it, so
 * whatever the killed process had not finished delivering, to either sink, is delivered by the restarted one; each
 * sink is accounted for on its own (a sink that got an alert does not excuse one that did not). Alerts delivered but
 * not yet committed when the process died arrive twice, and are counted.
 *
 * "Mid-delivery" is made structural rather than timed: half the corpus is evaluated while no outputs process runs, so
 * the alerts topic holds a backlog; the outputs start on it and are killed as soon as both sinks have received
 * something, while the rest of the corpus still streams in.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { account, complete, fileSinkIds, report } from '../harness/accounting.js';
import { sendLikeApiserver } from '../harness/apiserver-client.js';
import { expectedAlertIds, generatedEvents, ruleTestEvents, webhookBodies } from '../harness/corpus.js';
import { checkMockRetention, startKafkaPipeline } from '../harness/kafka-pipeline.js';
import { until } from '../harness/processes.js';
import { startReceiver } from '../harness/receiver.js';

test('outputs killed with SIGKILL mid-delivery to a file and an HTTP receiver, then restarted', async (t) => {
  const pipeline = await startKafkaPipeline(t);
  if (!pipeline) return;
  const receiver = await startReceiver(t);
  const alertsFile = join(pipeline.dir, 'alerts.jsonl');
  const sinks = [`file:${alertsFile}`, receiver.url];
  const [evaluator, { url }] = await Promise.all([pipeline.startEvaluator(), pipeline.startIngest()]);

  const clusters = Array.from({ length: 8 }, (_, i) => `outputs-${i}`);
  const bodies = webhookBodies([...ruleTestEvents(), ...generatedEvents(400)], clusters);
  checkMockRetention(bodies);
  const expected = await expectedAlertIds(bodies);
  const half = Math.floor(bodies.length / 2);
  const backlog = await sendLikeApiserver(url, bodies.slice(0, half));

  let outputs = await pipeline.startOutputs(sinks);
  const rest = sendLikeApiserver(url, bodies.slice(half), { pauseMs: 300 });
  await until(() => fileSinkIds(alertsFile).length > 0 && receiver.delivered().length > 0, 'the first alerts at both sinks');
  await outputs.stop('SIGKILL');
  const atKill = { file: fileSinkIds(alertsFile).length, http: receiver.delivered().length };
  const restartedAt = Date.now();
  outputs = await pipeline.startOutputs(sinks, 'outputs-restarted');
  const restartMs = Date.now() - restartedAt;
  const sent = await rest;

  const done = () => complete(expected, fileSinkIds(alertsFile)) && complete(expected, receiver.delivered());
  await until(done, `${expected.length} alerts at both sinks`, 90_000, () => JSON.stringify({
    file: account(expected, fileSinkIds(alertsFile)), http: account(expected, receiver.delivered()),
  }));
  t.diagnostic(`fault-report: outputs SIGKILL with ${atKill.file} (file) and ${atKill.http} (http) of ${expected.length} alerts ` +
    `delivered; restarted in ${restartMs} ms; client: ${backlog.dropped + sent.dropped} dropped`);
  assert.equal(backlog.dropped + sent.dropped, 0, 'the client dropped batches');
  const context = [evaluator, outputs].flatMap((p) => p.problems()).slice(-20).join('\n');
  report(t, 'outputs SIGKILL mid-delivery + restart [file sink]', account(expected, fileSinkIds(alertsFile)), context);
  report(t, 'outputs SIGKILL mid-delivery + restart [http sink]', account(expected, receiver.delivered()), context);
});
