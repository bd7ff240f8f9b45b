/**
 * Webhook fuzzing: over 10,000 generated requests (webhook-bodies.ts) posted over real sockets to a real
 * `peregrine run` (in-memory bus, file sink, dead letters to a file). Each must be answered within a bound and as
 * webhook-oracle.ts decides: 200, or the 4xx with the code and a message naming the problem. Of the bodies accepted,
 * the events that cannot be decoded (and the alerts too large for the bus) end as dead letters with a reason (in the
 * dead-letter file, in /metrics) and the others give exactly the alerts the same rules give in this process: none
 * lost, none extra, none twice. After the storm the process still runs, logged no error, and a valid body still gets
 * its 200 and its alert.
 *
 * Seeded and deterministic: request i comes from (seed, i). A failure prints both and the request; replay one with
 * `FUZZ_SEED=<seed> FUZZ_ONLY=<i> node --test faults/dist/fuzz/webhook.fault.js`; `FUZZ_SCALE=0.1` sends a tenth.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { account } from '../harness/accounting.js';
import { ruleTestEvents } from '../harness/corpus.js';
import { startEmbeddedPipeline } from '../harness/embedded-pipeline.js';
import { sleep, until } from '../harness/processes.js';
import { fuzzSeed, preview, Random } from './random.js';
import { type FuzzRequest, fuzzRequest, largeRequests } from './webhook-bodies.js';
import { send } from './webhook-client.js';
import { expectFrom, projectRuleset } from './webhook-expectations.js';
import type { Limits } from './webhook-oracle.js';
import { describeFailures, metricSum, readJsonLines, storm } from './webhook-storm.js';

const SEED = fuzzSeed(20_261_124);
const SCALE = Number(process.env['FUZZ_SCALE'] ?? '1');
const ONLY = process.env['FUZZ_ONLY'];
const REQUESTS = Math.round(10_000 * SCALE);
/** The in-memory bus's message limit (MemoryBus default) and the body limit this test configures. */
const LIMITS: Limits = { maxBodyBytes: 12 * 1024 * 1024, maxMessageBytes: 8 * 1024 * 1024 };
const OPTIONS = { limits: LIMITS, concurrency: 4, answerBoundMs: 30_000 };

test('webhook fuzzing: 10,000 bad and good requests to `peregrine run`', async (t) => {
  const events = (ruleTestEvents() as Record<string, unknown>[]).filter((e) => e['kind'] === 'Event');
  const ruleset = await projectRuleset();
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-webhook-fuzz-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const configFile = join(dir, 'peregrine.yaml');
  writeFileSync(configFile, `logLevel: warn\ningest:\n  maxBodyBytes: ${LIMITS.maxBodyBytes}\n`);
  const deadLettersFile = join(dir, 'dead-letters.jsonl');
  const run = await startEmbeddedPipeline(t, ['--config', configFile, '--dead-letters', deadLettersFile]);

  const requests: { index: number; request: FuzzRequest }[] = [];
  for (let i = 0; i < REQUESTS; i++) requests.push({ index: i, request: fuzzRequest(Random.forInput(SEED, i), events) });
  largeRequests(LIMITS, events).forEach((request, k) => requests.push({ index: REQUESTS + k, request }));
  const selected = ONLY === undefined ? requests : requests.filter((r) => String(r.index) === ONLY);
  const result = await storm(run.url, selected, ruleset, OPTIONS);
  const { expected } = result;

  // After the storm: still serving, and a valid body still gets its 200 and its alert.
  const after = structuredClone(events.find((e) => ruleset.evaluate({ json: e, timeNs: 0n }).length > 0)!);
  after['auditID'] = `after-the-storm-${SEED}`;
  const afterBody = JSON.stringify(after);
  const agent = new Agent();
  t.after(() => agent.destroy());
  const afterReply = await send(run.url, { method: 'POST', cluster: 'after', contentType: 'application/json', body: Buffer.from(afterBody) },
    agent, OPTIONS.answerBoundMs);
  assert.equal(afterReply.status, 200, `after the storm, a valid body got ${afterReply.status} ${afterReply.body}`);
  expectFrom(expected, ruleset, 'after', [afterBody], LIMITS.maxMessageBytes);

  const alertIds = () => readJsonLines(run.alertsFile).map((a) => String(a['id']));
  const deadLetters = () => readJsonLines(deadLettersFile);
  await until(() => account(expected.alertIds, alertIds()).lost === 0 && deadLetters().length >= expected.deadLetters.length,
    `${expected.alertIds.length} alerts and ${expected.deadLetters.length} dead letters`, 180_000,
    () => `${alertIds().length} alerts, ${deadLetters().length} dead letters so far; the process's last errors:\n` +
      run.proc.lines(/"level":(50|60)/).slice(-5).join('\n'));
  await sleep(2000); // anything extra would show up now
  const alerts = account(expected.alertIds, alertIds());
  const letters = deadLetters();
  const metrics = await (await fetch(run.url.replace(/\/k8s-audit$/, '/metrics'))).text();

  t.diagnostic(`fault-report: webhook fuzz [peregrine run]: ${selected.length + 1} requests (seed ${SEED}), by status ` +
    `${JSON.stringify(result.byStatus)}, ${result.retries} retried after 503; slowest answer ${result.slowest.ms.toFixed(0)} ms ` +
    `(#${result.slowest.index}); ${result.failures.length} wrong answers`);
  t.diagnostic(`fault-report: webhook fuzz [peregrine run]: ${expected.events} events accepted; dead letters: expected ` +
    `${expected.deadLetters.length}, in the file ${letters.length}, peregrine_evaluator_messages_dead_lettered_total ` +
    `${metricSum(metrics, 'peregrine_evaluator_messages_dead_lettered_total')}; alerts: expected ${alerts.expected}, delivered ` +
    `${alerts.delivered}, lost ${alerts.lost}, duplicates ${alerts.duplicates}, unexpected ${alerts.unexpected}`);
  t.diagnostic(`fault-report: webhook fuzz [peregrine run]: by kind ${JSON.stringify(result.byKind)}`);

  assert.equal(result.failures.length, 0, `${result.failures.length} request(s) answered wrongly (seed ${SEED}):\n` +
    describeFailures(result.failures, SEED, 'faults/dist/fuzz/webhook.fault.js', (b) => preview(b, 300)));

  // Dead letters: each with a reason, as many as expected, counted in /metrics.
  assert.equal(letters.length, expected.deadLetters.length, 'dead letters in the file');
  for (const l of letters) {
    // The only reasons a body ingest accepted can have: an event without a usable time, or an alert too large.
    assert.ok(typeof l['reason'] === 'string' && /stageTimestamp|more than the bus message limit/.test(l['reason']),
      `a dead letter's reason: ${String(l['reason'])}`);
    assert.match(String(l['source']), /^peregrine-audit\/\d+\/\d+$/);
  }
  assert.equal(metricSum(metrics, 'peregrine_evaluator_messages_dead_lettered_total'), expected.deadLetters.length);
  assert.equal(metricSum(metrics, 'peregrine_dead_letters_recorded_total'), expected.deadLetters.length);
  // Alerts: exactly the expected ones.
  assert.equal(alerts.lost, 0, `${alerts.lost} alerts lost (e.g. ${alerts.lostSample.join(', ')})`);
  assert.equal(alerts.unexpected, 0, `${alerts.unexpected} alerts nobody expected`);
  assert.equal(alerts.duplicates, 0, `${alerts.duplicates} alerts delivered twice`);
  // Ingest counted every answer (the retried 503s and the request after the storm too: at least).
  for (const [status, n] of Object.entries(result.byStatus)) {
    const counted = Number(new RegExp(`^peregrine_ingest_requests_total\\{status="${status}"\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
    assert.ok(counted >= n, `peregrine_ingest_requests_total{status="${status}"} is ${counted}, but ${n} answers were ${status}`);
  }
  // The process lives and logged no error.
  assert.equal(run.proc.child.exitCode, null, 'the process is still running');
  assert.deepEqual(run.proc.lines(/"level":(50|60)/).slice(0, 5), [], 'the process logged errors');
});
