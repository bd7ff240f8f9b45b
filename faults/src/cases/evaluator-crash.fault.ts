/**
 * An evaluator killed with SIGKILL mid-batch and started again: the batch it was working on was never committed, so
 * the restarted member (or the other one) evaluates it again. Every expected alert reaches the sink; the re-evaluated
 * batch's alerts may arrive twice, and are counted.
 */
import { join } from 'node:path';
import { test } from 'node:test';
import { account, complete, fileSinkIds, report } from '../harness/accounting.js';
import { sendLikeApiserver } from '../harness/apiserver-client.js';
import { expectedAlertIds, generatedEvents, ruleTestEvents, webhookBodies } from '../harness/corpus.js';
import { checkMockRetention, startKafkaPipeline } from '../harness/kafka-pipeline.js';
import { until } from '../harness/processes.js';

test('evaluator killed with SIGKILL mid-batch, then restarted', async (t) => {
  const pipeline = await startKafkaPipeline(t);
  if (!pipeline) return;
  const alertsFile = join(pipeline.dir, 'alerts.jsonl');
  const outputs = await pipeline.startOutputs([`file:${alertsFile}`]);
  let evaluator = await pipeline.startEvaluator();
  const { url } = await pipeline.startIngest();

  const bodies = webhookBodies([...ruleTestEvents(), ...generatedEvents(400)], Array.from({ length: 12 }, (_, i) => `crash-${i}`));
  checkMockRetention(bodies);
  const expected = await expectedAlertIds(bodies);
  const sending = sendLikeApiserver(url, bodies, { pauseMs: 100 });

  await until(() => fileSinkIds(alertsFile).length > 0, 'the first alerts');
  await evaluator.stop('SIGKILL');
  evaluator = await pipeline.startEvaluator('evaluator-restarted');
  const sent = await sending;

  await until(() => complete(expected, fileSinkIds(alertsFile)), `${expected.length} alerts in the file`, 90_000,
    () => JSON.stringify(account(expected, fileSinkIds(alertsFile))));
  t.diagnostic(`fault-report: evaluator SIGKILL: ${sent.batches} batches sent, ${sent.retries} retries, ${sent.dropped} dropped by the client`);
  report(t, 'evaluator SIGKILL mid-batch + restart [file sink]', account(expected, fileSinkIds(alertsFile)),
    [evaluator, outputs].flatMap((p) => p.problems()).join('\n'));
});
