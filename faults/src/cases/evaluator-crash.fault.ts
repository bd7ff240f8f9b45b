/**
 * An evaluator killed with SIGKILL mid-batch and started again: the batches it was working on were never committed,
 * so the restarted member evaluates them again. Every expected alert reaches the sink; the re-evaluated batches'
 * alerts may arrive twice, and are counted.
 *
 * "Mid-batch" is made structural rather than timed: two thirds of the corpus wait in the audit topic before the
 * evaluator starts, in bodies of 400 events (the apiserver's largest batches), and the evaluator also runs a few
 * costly rules that never fire (harness/slow-rules.ts), so that working through the backlog takes seconds. It is
 * killed as soon as the first alert reaches the sink: at that moment it holds several batches of the backlog (four
 * partitions are consumed at once), fetched and not committed, while the rest of the corpus still streams in.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@peregrine/testkit';
import { account, complete, fileSinkIds, report } from '../harness/accounting.js';
import { sendLikeApiserver } from '../harness/apiserver-client.js';
import { expectedAlertIds, generatedEvents, ruleTestEvents, webhookBodies } from '../harness/corpus.js';
import { checkMockRetention, startKafkaPipeline } from '../harness/kafka-pipeline.js';
import { until } from '../harness/processes.js';
import { writeSlowRules } from '../harness/slow-rules.js';

/** Never-matching scanning rules: each adds a full read of every event (tens of microseconds). */
const SLOW_RULES = 10;

test('evaluator killed with SIGKILL mid-batch, then restarted', async (t) => {
  const pipeline = await startKafkaPipeline(t);
  if (!pipeline) return;
  const alertsFile = join(pipeline.dir, 'alerts.jsonl');
  const slowRules = join(pipeline.dir, 'slow-rules.yaml');
  writeSlowRules(slowRules, SLOW_RULES);
  const rules = ['--rules', join(repoRoot(), 'rules'), '--rules', slowRules];
  const [outputs, { url }] = await Promise.all([pipeline.startOutputs([`file:${alertsFile}`]), pipeline.startIngest()]);

  const clusters = Array.from({ length: 12 }, (_, i) => `crash-${i}`);
  const bodies = webhookBodies([...ruleTestEvents(), ...generatedEvents(400)], clusters, 400);
  checkMockRetention(bodies);
  const expected = await expectedAlertIds(bodies);
  const backlogSize = Math.ceil((bodies.length * 2) / 3);
  const backlog = await sendLikeApiserver(url, bodies.slice(0, backlogSize), { concurrency: 4 });
  assert.equal(backlog.dropped, 0, 'the client dropped batches of the backlog');

  let evaluator = await pipeline.startEvaluator('evaluator', rules);
  const rest = sendLikeApiserver(url, bodies.slice(backlogSize), { pauseMs: 200 });
  await until(() => fileSinkIds(alertsFile).length > 0, 'the first alerts');
  await evaluator.stop('SIGKILL');
  const atKill = fileSinkIds(alertsFile).length;
  evaluator = await pipeline.startEvaluator('evaluator-restarted', rules);
  const sent = await rest;

  await until(() => complete(expected, fileSinkIds(alertsFile)), `${expected.length} alerts in the file`, 90_000,
    () => JSON.stringify(account(expected, fileSinkIds(alertsFile))));
  t.diagnostic(`fault-report: evaluator SIGKILL with a backlog of ${backlogSize} batches, ${atKill} of ${expected.length} alerts ` +
    `delivered at the kill; client: ${backlog.batches + sent.batches} batches sent, ${backlog.retries + sent.retries} retries, ` +
    `${sent.dropped} dropped`);
  assert.equal(sent.dropped, 0, 'the client dropped batches');
  report(t, 'evaluator SIGKILL mid-batch + restart [file sink]', account(expected, fileSinkIds(alertsFile)),
    [evaluator, outputs].flatMap((p) => p.problems()).join('\n'));
});
