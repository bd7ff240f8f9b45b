/**
 * Evaluators come and go while events flow, as they do under an autoscaler or a rolling update: a second evaluator
 * joins the consumer group mid-stream (the partitions are split between the two), works, then leaves mid-stream,
 * either gracefully (SIGTERM: it finishes and commits what it has, and leaves the group) or by crashing (SIGKILL: its
 * uncommitted batches are re-read by the remaining member after the session timeout). What it proves: a rebalance
 * in either direction never skips an offset, so every expected alert reaches the sink; a batch whose commit raced a
 * rebalance may be evaluated twice (duplicates are counted). The second evaluator's own metrics prove it had
 * evaluated events before it left, so its leaving is a real hand-over and not a no-op.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { account, complete, fileSinkIds, report } from '../harness/accounting.js';
import { sendLikeApiserver } from '../harness/apiserver-client.js';
import { expectedAlertIds, ruleTestEvents, webhookBodies } from '../harness/corpus.js';
import { interleaveByCluster } from '../harness/interleave.js';
import { assignedPartitions, checkMockRetention, startKafkaPipeline } from '../harness/kafka-pipeline.js';
import { freePort, waitForMetricAbove } from '../harness/metrics-scrape.js';
import { until } from '../harness/processes.js';
import { terminate } from '../harness/terminate.js';

async function joinThenLeave(t: TestContext, leave: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const pipeline = await startKafkaPipeline(t);
  if (!pipeline) return;
  const alertsFile = join(pipeline.dir, 'alerts.jsonl');
  const [outputs, first, { url }] = await Promise.all([
    pipeline.startOutputs([`file:${alertsFile}`]), pipeline.startEvaluator('evaluator-1'), pipeline.startIngest(),
  ]);

  // Many small clusters, their bodies taken in turn, so that every part of the stream carries all of them; ingest deals
  // the bodies over the 16 partitions, so every member's share carries traffic.
  const bodies = interleaveByCluster(webhookBodies(ruleTestEvents(), Array.from({ length: 24 }, (_, i) => `member-${leave}-${i}`)));
  checkMockRetention(bodies);
  const expected = await expectedAlertIds(bodies);
  const quarter = Math.ceil(bodies.length / 4);
  const parts = [0, 1, 2, 3].map((i) => bodies.slice(i * quarter, (i + 1) * quarter));
  const send = (part: typeof bodies) => sendLikeApiserver(url, part, { pauseMs: 200 });

  // 1: one member. 2: the second joins while this part streams in (its join takes seconds on the mock broker).
  // 3: it takes its share of this part, and leaves as soon as it has evaluated some. 4: the first member alone again.
  const stats = [await send(parts[0]!)];
  const sendingPart2 = send(parts[1]!);
  const port = await freePort();
  const second = await pipeline.startEvaluator('evaluator-2', ['--metrics-listen', `127.0.0.1:${port}`]);
  // "started" can come before the first join on the mock broker (its SyncGroup quirk makes the consumer restart and
  // join again): the assignment, then the member's own counter, say when it really has a share of the work.
  await until(() => assignedPartitions(second).length > 0, 'partitions assigned to evaluator-2');
  stats.push(await sendingPart2);
  const sendingPart3 = send(parts[2]!);
  const evaluatedBySecond = await waitForMetricAbove(port, 'peregrine_evaluator_events_evaluated_total', 0);
  // A graceful leave must also be a clean exit (status 0, in bounded time); a crash is just a crash.
  let leftInMs = 0;
  if (leave === 'SIGTERM') leftInMs = await terminate(second);
  else await second.stop('SIGKILL');
  stats.push(await sendingPart3, await send(parts[3]!));
  const sent = { retries: stats.reduce((a, s) => a + s.retries, 0), dropped: stats.reduce((a, s) => a + s.dropped, 0) };

  await until(() => complete(expected, fileSinkIds(alertsFile)), `${expected.length} alerts in the file`, 90_000,
    () => JSON.stringify(account(expected, fileSinkIds(alertsFile))));
  const how = leave === 'SIGTERM' ? `SIGTERM (exit 0 in ${leftInMs} ms)` : 'SIGKILL';
  t.diagnostic(`fault-report: evaluator-2 joined, had ${assignedPartitions(second).length} of 16 partitions and evaluated ` +
    `${evaluatedBySecond}+ events, left by ${how}; ${bodies.length} batches; ` +
    `client: ${sent.retries} retries, ${sent.dropped} dropped`);
  assert.equal(sent.dropped, 0, 'the client dropped batches');
  report(t, `evaluator joins, then leaves by ${leave} [file sink]`, account(expected, fileSinkIds(alertsFile)),
    [first, second, outputs].flatMap((p) => p.problems()).slice(-20).join('\n'));
}

test('a second evaluator joins mid-stream, then leaves by SIGTERM', (t) => joinThenLeave(t, 'SIGTERM'));
test('a second evaluator joins mid-stream, then is killed (SIGKILL)', (t) => joinThenLeave(t, 'SIGKILL'));
