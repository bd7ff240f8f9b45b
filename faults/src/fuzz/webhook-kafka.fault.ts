/**
 * Webhook fuzzing through the Kafka path: the same generated requests (fewer: the mock broker keeps about 5 MB per
 * partition) posted to `peregrine ingest`, with `peregrine evaluator` and `peregrine outputs` as separate processes
 * over the mock broker. The dead-letter topic is read by a consumer of its own: every dead letter must be there, each
 * with its reason header. Kafka's message limit (1 MiB by default) is much lower than the in-memory bus's, so the
 * bodies near it test splitting, the event too large to carry (413), and the alert too large to carry (a dead letter,
 * where it used to stop the partition). Alerts: exactly the expected ones.
 *
 * Seeded and deterministic, replayed like webhook.fault.ts (`FUZZ_SEED`, `FUZZ_ONLY`, `FUZZ_SCALE`).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { HEADER_DEAD_LETTER_REASON, HEADER_DEAD_LETTER_SOURCE } from '@peregrine/kafka';
import { account } from '../harness/accounting.js';
import { ruleTestEvents } from '../harness/corpus.js';
import { watchDeadLetters } from '../harness/dead-letters.js';
import { checkMockRetention, startKafkaPipeline } from '../harness/kafka-pipeline.js';
import { sleep, until } from '../harness/processes.js';
import { fuzzSeed, preview, Random } from './random.js';
import { type FuzzRequest, fuzzRequest } from './webhook-bodies.js';
import { projectRuleset } from './webhook-expectations.js';
import { expectedAnswer, type Limits } from './webhook-oracle.js';
import { describeFailures, readJsonLines, storm } from './webhook-storm.js';

const SEED = fuzzSeed(20_261_124);
const SCALE = Number(process.env['FUZZ_SCALE'] ?? '1');
const ONLY = process.env['FUZZ_ONLY'];
const REQUESTS = Math.round(1200 * SCALE);
/** Ingest's default body limit, and kafka.maxMessageBytes's default. */
const LIMITS: Limits = { maxBodyBytes: 64 * 1024 * 1024, maxMessageBytes: 1024 * 1024 };
const OPTIONS = { limits: LIMITS, concurrency: 4, answerBoundMs: 30_000 };

test('webhook fuzzing through Kafka: ingest, evaluator and outputs as processes, the dead-letter topic read', async (t) => {
  const pipeline = await startKafkaPipeline(t);
  if (!pipeline) return;
  const events = (ruleTestEvents() as Record<string, unknown>[]).filter((e) => e['kind'] === 'Event');
  const ruleset = await projectRuleset();

  // Request i is the same as in webhook.fault.ts (other seeds' offsets would do as well); then the few near Kafka's limit.
  const requests: { index: number; request: FuzzRequest }[] = [];
  for (let i = 0; i < REQUESTS; i++) requests.push({ index: i, request: fuzzRequest(Random.forInput(SEED, i), events) });
  nearTheMessageLimit(events).forEach((request, k) => requests.push({ index: REQUESTS + k, request }));
  const selected = ONLY === undefined ? requests : requests.filter((r) => String(r.index) === ONLY);
  const accepted = selected.filter((r) => expectedAnswer(r.request, LIMITS).status === 200)
    .map((r) => ({ cluster: r.request.cluster, body: r.request.body.toString('utf8') }));
  checkMockRetention(accepted);

  const deadLetters = await watchDeadLetters(t, pipeline.broker);
  const alertsFile = join(pipeline.dir, 'alerts.jsonl');
  const outputs = await pipeline.startOutputs([`file:${alertsFile}`]);
  const evaluator = await pipeline.startEvaluator();
  const { proc: ingest, url } = await pipeline.startIngest();

  const result = await storm(url, selected, ruleset, OPTIONS);
  const { expected } = result;
  const alertIds = () => readJsonLines(alertsFile).map((a) => String(a['id']));
  await until(() => account(expected.alertIds, alertIds()).lost === 0 && deadLetters.messages().length >= expected.deadLetters.length,
    `${expected.alertIds.length} alerts and ${expected.deadLetters.length} dead letters`, 180_000,
    () => `${alertIds().length} alerts, ${deadLetters.messages().length} dead letters so far; errors:\n` +
      [ingest, evaluator, outputs].flatMap((p) => p.lines(/"level":(50|60)/).slice(-3)).join('\n'));
  await sleep(3000); // anything extra would show up now
  const alerts = account(expected.alertIds, alertIds());
  const letters = deadLetters.messages();

  t.diagnostic(`fault-report: webhook fuzz [Kafka]: ${selected.length} requests (seed ${SEED}), by status ` +
    `${JSON.stringify(result.byStatus)}, ${result.retries} retried after 503; slowest answer ${result.slowest.ms.toFixed(0)} ms; ` +
    `${result.failures.length} wrong answers; ${expected.events} events accepted`);
  t.diagnostic(`fault-report: webhook fuzz [Kafka]: dead letters: expected ${expected.deadLetters.length}, on the topic ` +
    `${letters.length}; alerts: expected ${alerts.expected}, delivered ${alerts.delivered}, lost ${alerts.lost}, duplicates ` +
    `${alerts.duplicates}, unexpected ${alerts.unexpected}`);

  assert.equal(result.failures.length, 0, `${result.failures.length} request(s) answered wrongly (seed ${SEED}):\n` +
    describeFailures(result.failures, SEED, 'faults/dist/fuzz/webhook-kafka.fault.js', (b) => preview(b, 300)));
  assert.equal(letters.length, expected.deadLetters.length, 'dead letters on the topic');
  for (const m of letters) {
    const reason = m.headers[HEADER_DEAD_LETTER_REASON];
    assert.ok(reason !== undefined && /stageTimestamp|more than the bus message limit/.test(reason), `a dead letter's reason: ${reason}`);
    assert.match(m.headers[HEADER_DEAD_LETTER_SOURCE] ?? '', /^audit\/\d+\/\d+$/);
  }
  assert.equal(alerts.lost, 0, `${alerts.lost} alerts lost (e.g. ${alerts.lostSample.join(', ')})`);
  assert.equal(alerts.unexpected, 0, `${alerts.unexpected} alerts nobody expected`);
  assert.equal(alerts.duplicates, 0, `${alerts.duplicates} alerts delivered twice (nothing failed: there was no reason to)`);
  for (const p of [ingest, evaluator, outputs]) {
    assert.equal(p.child.exitCode, null, `${p.name} is still running`);
    assert.deepEqual(p.lines(/"level":(50|60)/).slice(0, 3), [], `${p.name} logged errors`);
  }
});

/** Bodies around Kafka's 1 MiB message limit: split, refused, and one whose alert is larger than the limit. */
function nearTheMessageLimit(events: readonly Record<string, unknown>[]): FuzzRequest[] {
  const post = (kind: string, body: unknown): FuzzRequest => ({
    kind, method: 'POST', cluster: 'near-limit', contentType: 'application/json', body: Buffer.from(JSON.stringify(body)),
  });
  const withAgent = (bytes: number, id: string) => ({ ...structuredClone(events[0]!), auditID: id, userAgent: 'x'.repeat(bytes) });
  const many = Array.from({ length: 900 }, (_, i) => ({ ...structuredClone(events[i % events.length]!), auditID: `split-${i}` }));
  return [
    post('split', { kind: 'EventList', items: many }),
    post('event-too-large', { kind: 'EventList', items: [withAgent(1024 * 1024, 'too-large')] }),
    // The event fits in a message; its alert (the user agent in `output` and in `output_fields`) does not.
    post('alert-too-large', { kind: 'EventList', items: [withAgent(700 * 1024, 'alert-too-large'), events[1]] }),
  ];
}
