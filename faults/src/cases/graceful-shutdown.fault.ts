/**
 * SIGTERM under load, the way every deployment stops a process (a rolling update, a node drain, Ctrl-C): each
 * service is told to stop while events flow, must exit by itself with status 0 (it finishes what it holds, commits,
 * flushes), and is started again while the apiserver-like client keeps sending. What it proves, per service:
 *   (a) evaluator: the batches it had in hand are finished and committed or left for the next member, none skipped;
 *   (b) outputs: whatever it had taken from the alerts topic reaches both sinks before its offset is committed;
 *   (c) ingest: requests in flight when the signal came are answered only once the bus has them (or refused, and
 *       retried by the client against the new ingest on the same port), never 200 and dropped;
 *   (d) `peregrine run` (one process, in-memory bus, no durability across a crash): every event it answered 200 for
 *       has its alerts in the file sink by the time the process has exited: the shutdown drains the bus first.
 * A process that hangs on SIGTERM, exits non-zero, or loses anything fails its test.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@peregrine/testkit';
import { account, complete, fileSinkIds, report } from '../harness/accounting.js';
import { sendLikeApiserver } from '../harness/apiserver-client.js';
import { expectedAlertIds, expectedAlertIdsPerBody, generatedEvents, ruleTestEvents, webhookBodies } from '../harness/corpus.js';
import { startEmbeddedPipeline } from '../harness/embedded-pipeline.js';
import { interleaveByCluster } from '../harness/interleave.js';
import { checkMockRetention, startKafkaPipeline } from '../harness/kafka-pipeline.js';
import { until } from '../harness/processes.js';
import { startReceiver } from '../harness/receiver.js';
import { writeSlowRules } from '../harness/slow-rules.js';
import { terminate } from '../harness/terminate.js';

/** Never-matching scanning rules for (a) and (d): each adds a full read of every event (see harness/slow-rules.ts). */
const SLOW_RULES = 10;

function corpus(prefix: string, clusters: number): { cluster: string; body: string }[] {
  return interleaveByCluster(webhookBodies([...ruleTestEvents(), ...generatedEvents(400)],
    Array.from({ length: clusters }, (_, i) => `${prefix}-${i}`)));
}

test('(a) evaluator SIGTERMed with batches in hand, then restarted', async (t) => {
  const pipeline = await startKafkaPipeline(t);
  if (!pipeline) return;
  const alertsFile = join(pipeline.dir, 'alerts.jsonl');
  const slowRules = join(pipeline.dir, 'slow-rules.yaml');
  writeSlowRules(slowRules, SLOW_RULES);
  const rules = ['--rules', join(repoRoot(), 'rules'), '--rules', slowRules];
  const [outputs, { url }] = await Promise.all([pipeline.startOutputs([`file:${alertsFile}`]), pipeline.startIngest()]);
  const bodies = corpus('term-evaluator', 6);
  checkMockRetention(bodies);
  const expected = await expectedAlertIds(bodies);
  // A backlog waits before the evaluator starts, and costly never-firing rules make it take seconds to work through,
  // so the signal comes while batches are in hand; the rest of the corpus streams in meanwhile.
  const half = Math.floor(bodies.length / 2);
  const backlog = await sendLikeApiserver(url, bodies.slice(0, half), { concurrency: 4 });
  const first = await pipeline.startEvaluator('evaluator', rules);
  const rest = sendLikeApiserver(url, bodies.slice(half), { pauseMs: 100 });

  await until(() => fileSinkIds(alertsFile).length > 0, 'the first alerts');
  const stopMs = await terminate(first);
  const second = await pipeline.startEvaluator('evaluator-restarted', rules);
  const sent = await rest;

  await until(() => complete(expected, fileSinkIds(alertsFile)), `${expected.length} alerts in the file`, 90_000,
    () => JSON.stringify(account(expected, fileSinkIds(alertsFile))));
  t.diagnostic(`fault-report: evaluator SIGTERM: stopped in ${stopMs} ms (exit 0); client: ${sent.retries} retries, ` +
    `${backlog.dropped + sent.dropped} dropped`);
  assert.equal(backlog.dropped + sent.dropped, 0, 'the client dropped batches');
  report(t, 'evaluator SIGTERM + restart [file sink]', account(expected, fileSinkIds(alertsFile)),
    [first, second, outputs].flatMap((p) => p.problems()).slice(-20).join('\n'));
});

test('(b) outputs SIGTERMed mid-delivery to a file and an HTTP receiver, then restarted', async (t) => {
  const pipeline = await startKafkaPipeline(t);
  if (!pipeline) return;
  const receiver = await startReceiver(t);
  const alertsFile = join(pipeline.dir, 'alerts.jsonl');
  const sinks = [`file:${alertsFile}`, receiver.url];
  const [evaluator, { url }] = await Promise.all([pipeline.startEvaluator(), pipeline.startIngest()]);
  const bodies = corpus('term-outputs', 6);
  checkMockRetention(bodies);
  const expected = await expectedAlertIds(bodies);
  // Alerts of half the corpus wait in the alerts topic before the outputs start: the signal comes mid-delivery.
  const half = Math.floor(bodies.length / 2);
  const backlog = await sendLikeApiserver(url, bodies.slice(0, half), { concurrency: 4 });
  const first = await pipeline.startOutputs(sinks);
  const rest = sendLikeApiserver(url, bodies.slice(half), { pauseMs: 100 });

  await until(() => fileSinkIds(alertsFile).length > 0 && receiver.delivered().length > 0, 'the first alerts at both sinks');
  const stopMs = await terminate(first);
  const atStop = { file: fileSinkIds(alertsFile).length, http: receiver.delivered().length };
  const second = await pipeline.startOutputs(sinks, 'outputs-restarted');
  const sent = await rest;

  const done = () => complete(expected, fileSinkIds(alertsFile)) && complete(expected, receiver.delivered());
  await until(done, `${expected.length} alerts at both sinks`, 90_000, () => JSON.stringify({
    file: account(expected, fileSinkIds(alertsFile)), http: account(expected, receiver.delivered()),
  }));
  t.diagnostic(`fault-report: outputs SIGTERM: stopped in ${stopMs} ms (exit 0) ` +
    `with ${atStop.file} (file) and ${atStop.http} (http) ` +
    `of ${expected.length} alerts delivered; client: ${sent.retries} retries, ${backlog.dropped + sent.dropped} dropped`);
  assert.equal(backlog.dropped + sent.dropped, 0, 'the client dropped batches');
  const context = [first, second, evaluator].flatMap((p) => p.problems()).slice(-20).join('\n');
  report(t, 'outputs SIGTERM + restart [file sink]', account(expected, fileSinkIds(alertsFile)), context);
  report(t, 'outputs SIGTERM + restart [http sink]', account(expected, receiver.delivered()), context);
});

test('(c) ingest SIGTERMed with requests in flight, then restarted on the same port', async (t) => {
  const pipeline = await startKafkaPipeline(t);
  if (!pipeline) return;
  const alertsFile = join(pipeline.dir, 'alerts.jsonl');
  const [outputs, evaluator, { proc: first, url }] = await Promise.all([
    pipeline.startOutputs([`file:${alertsFile}`]), pipeline.startEvaluator(), pipeline.startIngest(),
  ]);
  const port = new URL(url).port;
  const bodies = corpus('term-ingest', 6);
  checkMockRetention(bodies);
  const expected = await expectedAlertIds(bodies);
  let accepted = 0;
  // Four batches in flight and no pause: when the signal comes, requests are being read or waiting for the bus.
  const sending = sendLikeApiserver(url, bodies, { concurrency: 4, onAccepted: () => accepted++ });

  await until(() => accepted >= bodies.length / 3, 'a third of the stream accepted');
  const acceptedAtSignal = accepted;
  const stopMs = await terminate(first);
  const answeredWhileStopping = accepted - acceptedAtSignal;
  const second = await pipeline.startIngest(['--listen', `127.0.0.1:${port}`]);
  const sent = await sending;

  await until(() => complete(expected, fileSinkIds(alertsFile)), `${expected.length} alerts in the file`, 90_000,
    () => JSON.stringify(account(expected, fileSinkIds(alertsFile))));
  t.diagnostic(`fault-report: ingest SIGTERM: stopped in ${stopMs} ms (exit 0), ${answeredWhileStopping} batches answered 200 while ` +
    `stopping; client: ${sent.retries} retries, answers ${JSON.stringify(sent.statuses)}, ${sent.dropped} dropped`);
  assert.equal(sent.dropped, 0, 'the client dropped batches: it could not get them in after the restart');
  report(t, 'ingest SIGTERM + restart [file sink]', account(expected, fileSinkIds(alertsFile)),
    [first, second.proc, evaluator, outputs].flatMap((p) => p.problems()).slice(-20).join('\n'));
});

test('(d) peregrine run SIGTERMed under load drains: every batch answered 200 has its alerts in the file at exit', async (t) => {
  // The costly never-firing rules make the evaluator fall behind the webhook, so the signal finds accepted events
  // still in the in-memory bus: the drain, not luck, must bring their alerts to the file.
  const run = await startEmbeddedPipeline(t, (dir) => {
    writeSlowRules(join(dir, 'slow-rules.yaml'), SLOW_RULES);
    return ['--rules', join(repoRoot(), 'rules'), '--rules', join(dir, 'slow-rules.yaml')];
  });
  const bodies = corpus('term-run', 8);
  const perBody = await expectedAlertIdsPerBody(bodies);
  const acceptedBodies: number[] = [];
  // The process goes away for good: two quick attempts per batch, so that the client gives up on the rest soon.
  const sending = sendLikeApiserver(run.url, bodies, {
    concurrency: 4, attempts: 2, initialBackoffMs: 200, onAccepted: (i) => acceptedBodies.push(i),
  });

  await until(() => acceptedBodies.length >= bodies.length / 3, 'a third of the stream accepted');
  const acceptedAtSignal = acceptedBodies.length;
  const deliveredAtSignal = fileSinkIds(run.alertsFile).length;
  const stopMs = await terminate(run.proc);
  // Read once, now: the alerts must be there when the process is gone, not eventually.
  const deliveredAtExit = fileSinkIds(run.alertsFile);
  const sent = await sending;

  t.diagnostic(`fault-report: peregrine run SIGTERM: exited 0 in ${stopMs} ms; ${acceptedBodies.length} of ${bodies.length} batches ` +
    `answered 200 (${acceptedBodies.length - acceptedAtSignal} after the signal), the rest refused or unanswered ` +
    `(${JSON.stringify(sent.statuses)}); ${deliveredAtSignal} alerts in the file at the signal, ${deliveredAtExit.length} at exit`);
  assert.equal(run.proc.lines(/still in the in-memory bus after the drain timeout/).length, 0, 'the drain timed out');
  report(t, 'peregrine run SIGTERM under load [file sink at exit]',
    account(acceptedBodies.flatMap((i) => perBody[i]!), deliveredAtExit), run.proc.problems().slice(-20).join('\n'));
});
